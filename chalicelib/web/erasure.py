"""GET and POST /{language}/status/{reference}/erase: the resident withdraws the inquiry.

GET (the status link's token in `t`) shows what erasure does and does not do, with one
button; it changes nothing, since mail scanners open links. The button POSTs the token
back (form field `t`): the inquiry's personal data is erased at once (core/erasure.py)
and the answer says so (JSON `{"state": "erased"}` for `Accept: application/json`).
After that the confirmation page, like the status page, answers 410 Gone. A wrong
token, an unknown and an expired reference answer the status page's 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, quote

from chalicelib.core.erasure import Erasure, ErasureView
from chalicelib.core.languages import LANGUAGES
from chalicelib.core.ports import StoreUnavailable
from chalicelib.core.templating import form_languages, render
from chalicelib.web.pages import Answer, page_answer, unknown_language_page
from chalicelib.web.status import PRIVATE, erased_answer, refused_answer, wants_json

ROOT = "../../../"  # the page is /{language}/status/{reference}/erase
MAX_BODY_BYTES = 4096  # one token


@dataclass(frozen=True)
class ErasureRequest:
    language: str
    reference: str
    token: str | None  # GET: from the query; POST: from the form
    accept: str | None  # the Accept header
    accept_language: str | None


def show_erasure(request: ErasureRequest, erasure: Erasure) -> Answer:
    """GET: the confirmation page, or the page that the data is erased (410); reads only."""
    return _answer(request, erasure.look, erase_now=False)


def post_erasure(request: ErasureRequest, erasure: Erasure) -> Answer:
    """POST: erase the link's inquiry (again: harmless); the page that says so."""
    return _answer(request, erasure.erase, erase_now=True)


def token_of(body: bytes) -> str:
    """The form field `t` of a POST, or "" (then the answer is the 404)."""
    if len(body) > MAX_BODY_BYTES:
        return ""
    values = parse_qs(body.decode("utf-8", errors="replace")).get("t", [])
    return values[0] if len(values) == 1 else ""


def _answer(
    request: ErasureRequest, act: Callable[[str, str], ErasureView | None], *, erase_now: bool,
) -> Answer:
    language = request.language
    if language not in form_languages():
        answer = unknown_language_page(request.accept_language, root=ROOT)
        return Answer(answer.status, answer.body, {**answer.headers, **PRIVATE})
    as_json = wants_json(request.accept)
    token = request.token or ""
    try:
        view = act(request.reference, token)
    except StoreUnavailable:
        return refused_answer(language, as_json, root=ROOT, unavailable=True)
    if view is None:
        return refused_answer(language, as_json, root=ROOT, unavailable=False)
    if view.erased_at is not None:
        # The POST's answer; a later GET of the confirmation page: gone, as the status page.
        return erased_answer(language, view.reference, as_json, root=ROOT,
                             status=200 if erase_now else 410)
    # The confirmation page is a page for people: HTML, whatever the Accept header.
    return page_answer(200, _page(language, view.reference, token), **PRIVATE)


def _page(language: str, reference: str, token: str) -> str:
    query = f"?t={quote(token, safe='')}"
    switcher = [(code, LANGUAGES[code].endonym, f"{ROOT}{code}/status/{reference}/erase{query}")
                for code in form_languages()]
    return render("erase.html", language, root=ROOT, switcher=switcher, reference=reference,
                  token=token, status_href=f"../{reference}{query}")
