"""GET and POST /claim/{reference}: the contact person's page for one inquiry.

The page is in the staff language of the contact the link was addressed to: the topic,
when it arrived, its state (open, or claimed by whom and when; passed on, when it was),
and one button, "Ich übernehme diese Anfrage", that POSTs the link's token back. GET
never changes anything: Outlook's Safe Links and other scanners open every link of a
mail. A bad, foreign or expired token and an unknown inquiry all answer the same 404,
so the page tells nobody which references exist. It shows nothing the resident wrote.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs

from chalicelib.core.claims import Claims, ClaimView
from chalicelib.core.languages import DEFAULT_LANGUAGE
from chalicelib.core.local_time import flensburg_time
from chalicelib.core.ports import StoreUnavailable
from chalicelib.core.templating import form_languages, render
from chalicelib.web.pages import Answer, notice_page, page_answer

ROOT = "../"  # the page is /claim/{reference}: the API root is one level up
# The token is in the link: no search engine, no cache, no referrer may keep it.
PRIVATE = {"X-Robots-Tag": "noindex, nofollow"}
MAX_BODY_BYTES = 4096  # one token


def show_claim(claims: Claims, reference: str, token: str | None) -> Answer:
    """GET: the page for the link, or 404; reads only."""
    try:
        view = claims.look(reference, token or "")
    except StoreUnavailable:
        return notice_page(DEFAULT_LANGUAGE, root=ROOT, status=503)
    return _answer(view, token or "")


def post_claim(claims: Claims, reference: str, body: bytes) -> Answer:
    """POST (form field `t`): claim the inquiry for the link's holder; the page again."""
    token = _token(body)
    try:
        view = claims.claim(reference, token)
    except StoreUnavailable:
        return notice_page(DEFAULT_LANGUAGE, root=ROOT, status=503)
    return _answer(view, token)


def _token(body: bytes) -> str:
    if len(body) > MAX_BODY_BYTES:
        return ""
    fields = parse_qs(body.decode("utf-8", errors="replace"))
    values = fields.get("t", [])
    return values[0] if len(values) == 1 else ""


def _answer(view: ClaimView | None, token: str) -> Answer:
    if view is None:
        not_found = notice_page(DEFAULT_LANGUAGE, root=ROOT, status=404)
        return Answer(not_found.status, not_found.body, {**not_found.headers, **PRIVATE})
    language = view.holder.staff_language
    if language not in form_languages():
        language = DEFAULT_LANGUAGE
    record = view.record
    moved = record.escalations[-1] if record.holder != view.holder else None
    body = render(
        "claim.html",
        language,
        root=ROOT,
        view=view,
        token=token,
        received_at=_local(record.received_at),
        claimed_at=_local(view.claim.at) if view.claim else "",
        moved_to=moved,
        moved_at=_local(moved.at) if moved else "",
    )
    return page_answer(200, body, **PRIVATE)


def _local(moment: datetime) -> str:
    """As the staff emails write times: Flensburg's, to the minute."""
    return flensburg_time(moment).strftime("%d.%m.%Y %H:%M")
