"""GET and POST /{language}/answered/{reference}: the follow-up's page, from its email.

GET (from a link of the follow-up, `?t=…&answer=yes|no`) shows one button for the
link's answer and changes nothing: mail scanners open every link of a mail. POST
(form fields `t` and `answer`) records the answer, unless one stands already, and
says what happens now: "yes", thanks, the loop is closed; "no", the inquiry goes to
someone else at an organisation (no staff names), or the project team was alerted
when nobody is left (core/follow_up.py). A later answer is shown the one recorded.
A wrong token, an unknown, an expired and an erased reference answer the same 404.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, quote

from chalicelib.core.follow_up import ANSWERS, AnswerView, FollowUps
from chalicelib.core.languages import LANGUAGES
from chalicelib.core.local_time import flensburg_time
from chalicelib.core.ports import StoreUnavailable
from chalicelib.core.templating import form_languages, render
from chalicelib.web.pages import (
    Answer,
    not_found_page,
    notice_page,
    page_answer,
    unknown_language_page,
)

ROOT = "../../"  # the page is /{language}/answered/{reference}
# The token is in the link: no search engine, no cache may keep the page.
PRIVATE = {"X-Robots-Tag": "noindex, nofollow"}
MAX_BODY_BYTES = 4096  # one token and one answer


def show_answer(follow_ups: FollowUps, language: str, reference: str, token: str | None,
                answer: str | None, accept_language: str | None = None) -> Answer:
    """GET: the page with one button for the link's answer, or 404; reads only."""
    if language not in form_languages():
        return _private(unknown_language_page(accept_language, root=ROOT))
    asked = ANSWERS.get(answer or "")
    if asked is None:
        return _private(not_found_page(language, root=ROOT))
    try:
        view = follow_ups.look(reference, token or "", asked)
    except StoreUnavailable:
        return _private(notice_page(language, root=ROOT, status=503))
    return _answer(language, view, token or "")


def post_answer(follow_ups: FollowUps, language: str, reference: str, body: bytes,
                accept_language: str | None = None) -> Answer:
    """POST (form fields `t`, `answer`): record the answer; the page again."""
    if language not in form_languages():
        return _private(unknown_language_page(accept_language, root=ROOT))
    token, answer = _fields(body)
    asked = ANSWERS.get(answer)
    if asked is None:
        return _private(not_found_page(language, root=ROOT))
    try:
        view = follow_ups.answer(reference, token, asked)
    except StoreUnavailable:
        return _private(notice_page(language, root=ROOT, status=503))
    return _answer(language, view, token)


def _fields(body: bytes) -> tuple[str, str]:
    if len(body) > MAX_BODY_BYTES:
        return "", ""
    fields = parse_qs(body.decode("utf-8", errors="replace"))

    def one(name: str) -> str:
        values = fields.get(name, [])
        return values[0] if len(values) == 1 else ""

    return one("t"), one("answer")


def _answer(language: str, view: AnswerView | None, token: str) -> Answer:
    if view is None:
        return _private(not_found_page(language, root=ROOT))
    answer = "yes" if view.asked else "no"
    query = f"?t={quote(token, safe='')}&answer={answer}"
    switcher = [(code, LANGUAGES[code].endonym,
                 f"{ROOT}{code}/answered/{view.reference}{query}")
                for code in form_languages()]
    body = render(
        "answered.html",
        language,
        root=ROOT,
        switcher=switcher,
        view=view,
        token=token,
        answer=answer,
        answered_on=_date(view.answered_at) if view.answered_at else "",
    )
    return page_answer(200, body, **PRIVATE)


def _date(moment: datetime) -> str:
    """The day in Flensburg, as the other pages write it: 01.12.2026."""
    return flensburg_time(moment).strftime("%d.%m.%Y")


def _private(answer: Answer) -> Answer:
    return Answer(answer.status, answer.body, {**answer.headers, **PRIVATE})
