"""GET /{language}/status/{reference}?t=…: the resident's status page, from the confirmation.

In the page's language (right to left for Arabic and Persian): when the inquiry
arrived, the organisation that handles it now, and when somebody took it on, or that
nobody has yet and how long that usually takes (core/status.py). With `Accept:
application/json` the same as the interface's JSON. A wrong token, an unknown and an
expired reference answer the same 404, in HTML and in JSON alike; no search engine, no
cache may keep a page whose address carries its token.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from chalicelib.core.languages import LANGUAGES
from chalicelib.core.local_time import flensburg_time
from chalicelib.core.ports import StoreUnavailable
from chalicelib.core.status import State, Status, StatusPages
from chalicelib.core.templating import form_languages, render
from chalicelib.web.pages import (
    SECURITY_HEADERS,
    Answer,
    not_found_page,
    notice_page,
    page_answer,
    unknown_language_page,
)

ROOT = "../../"  # the page is /{language}/status/{reference}
PRIVATE = {"X-Robots-Tag": "noindex, nofollow"}
JSON_TYPE = "application/json"
NOT_FOUND_JSON: dict[str, object] = {"error": "not_found"}
ERASED_JSON: dict[str, object] = {"state": str(State.ERASED)}


@dataclass(frozen=True)
class StatusRequest:
    language: str
    reference: str
    token: str | None
    accept: str | None  # the Accept header
    accept_language: str | None


def answer_status(request: StatusRequest, pages: StatusPages) -> Answer:
    language = request.language
    if language not in form_languages():
        return _private(unknown_language_page(request.accept_language, root=ROOT))
    as_json = wants_json(request.accept)
    try:
        status = pages.look(request.reference, request.token or "")
    except StoreUnavailable:
        if as_json:
            return _json(503, {"error": "unavailable"}, **{"Retry-After": "60"})
        return _private(notice_page(language, root=ROOT, status=503))
    if status is None:
        if as_json:
            return _json(404, NOT_FOUND_JSON)
        return _private(not_found_page(language, root=ROOT))
    if status.state is State.ERASED:
        return erased_answer(language, status.reference, as_json, root=ROOT, status=410)
    if as_json:
        return _json(200, status.as_json())
    return page_answer(200, _page(language, status, request.token or ""), **PRIVATE)


def erased_answer(
    language: str, reference: str, as_json: bool, *, root: str, status: int
) -> Answer:
    """The data is erased: the status link's 410 Gone, and the answer of the erasure
    itself (core/erasure.py); JSON `{"state": "erased"}`."""
    if as_json:
        return _json(status, ERASED_JSON)
    switcher = [(code, LANGUAGES[code].endonym, f"{root}{code}") for code in form_languages()]
    body = render("erased.html", language, root=root, switcher=switcher, reference=reference)
    return page_answer(status, body, **PRIVATE)


def refused_answer(language: str, as_json: bool, *, root: str, unavailable: bool) -> Answer:
    """The status page's 404 (a wrong token, an unknown or an expired reference), or its
    503 while the store cannot be read, for a page below it."""
    if unavailable:
        if as_json:
            return _json(503, {"error": "unavailable"}, **{"Retry-After": "60"})
        return _private(notice_page(language, root=root, status=503))
    if as_json:
        return _json(404, NOT_FOUND_JSON)
    return _private(not_found_page(language, root=root))


def wants_json(accept: str | None) -> bool:
    """Whether the Accept header ranks application/json above HTML (RFC 9110 q-values;
    a browser's "text/html,…,*/*;q=0.8" gets the page)."""
    ranks: dict[str, float] = {}
    for part in (accept or "").split(","):
        media, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media = media.strip().lower()
        ranks[media] = max(ranks.get(media, 0.0), quality)
    json_rank = ranks.get(JSON_TYPE, 0.0)
    html_rank = max(ranks.get("text/html", 0.0), ranks.get("application/xhtml+xml", 0.0))
    return json_rank > 0 and json_rank > html_rank


def _page(language: str, status: Status, token: str) -> str:
    # The language switcher leads to this page in each language, with the link's token.
    query = f"?t={quote(token, safe='')}"
    switcher = [(code, LANGUAGES[code].endonym, f"{ROOT}{code}/status/{status.reference}{query}")
                for code in form_languages()]
    return render(
        "status.html",
        language,
        root=ROOT,
        switcher=switcher,
        status=status,
        received_on=_date(status.received_at),
        received_iso=flensburg_time(status.received_at).date().isoformat(),
        claimed_on=_date(status.claimed_at) if status.claimed_at else "",
        claimed_iso=(flensburg_time(status.claimed_at).date().isoformat()
                     if status.claimed_at else ""),
        erase_href=f"{status.reference}/erase{query}",  # core/erasure.py
    )


def _date(moment: datetime) -> str:
    """The day in Flensburg, as the other pages and emails write it: 01.12.2026."""
    return flensburg_time(moment).strftime("%d.%m.%Y")


def _json(status: int, body: dict[str, object], **extra_headers: str) -> Answer:
    headers = {"Content-Type": f"{JSON_TYPE}; charset=utf-8", "Cache-Control": "no-store",
               **SECURITY_HEADERS, **PRIVATE, **extra_headers}
    return Answer(status, json.dumps(body, ensure_ascii=False), headers)


def _private(answer: Answer) -> Answer:
    return Answer(answer.status, answer.body, {**answer.headers, **PRIVATE})
