"""The HTML pages a resident sees, as complete HTTP answers (status, headers, body).

All links are relative to the API root (`root` is "" or "../../"), because the
deployed API sits behind a stage prefix such as /api/ and `chalice local` does not.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from chalicelib.core.inquiry import MAX_MESSAGE_LENGTH, ErrorCode
from chalicelib.core.languages import LANGUAGES, negotiate_language
from chalicelib.core.messages import field_error
from chalicelib.core.routing import RoutingConfig, RoutingDecision
from chalicelib.core.templating import TEMPLATE_DIR, form_languages, render, translate

# No script, no other host, no framing: the pages need nothing else.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@dataclass(frozen=True)
class Answer:
    """An HTTP answer, ready for app.py to turn into a chalice Response."""

    status: int
    body: str
    headers: Mapping[str, str]


def _page(status: int, body: str, **extra_headers: str) -> Answer:
    headers = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
    return Answer(status, body, {**headers, **SECURITY_HEADERS, **extra_headers})


def _switcher(root: str, path_after_language: str) -> list[tuple[str, str, str]]:
    """(code, endonym, href) of every offered language, for the language switcher."""
    return [
        (code, LANGUAGES[code].endonym, f"{root}{code}{path_after_language}")
        for code in form_languages()
    ]


def form_page(
    language: str,
    routing: RoutingConfig,
    form_token: str,
    *,
    values: Mapping[str, object] | None = None,
    errors: Mapping[str, ErrorCode] | None = None,
    problem: str | None = None,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> Answer:
    """The contact form; after a failed submit, with the errors and the resident's text.

    `problem` (an English msgid) says why a valid inquiry was not accepted, such as a
    store that is down (503) or a rate limit (429); the text is kept for another try.
    """
    shown_errors = {field: field_error(code, language) for field, code in (errors or {}).items()}
    kept = {k: v if isinstance(v, str) else "" for k, v in (values or {}).items()}
    body = render(
        "form.html",
        language,
        root="",
        switcher=_switcher("", ""),
        topics=[
            (topic.key, topic.label(language), (topic.urgent_hint or {}).get(language, ""))
            for topic in routing.topics.values()
        ],
        values=kept,
        errors=shown_errors,
        problem=translate(language, problem) if problem else None,
        form_token=form_token,
        max_message_length=MAX_MESSAGE_LENGTH,
    )
    return _page(status or (422 if errors else 200), body, **(headers or {}))


def thanks_page(language: str, reference: str, decision: RoutingDecision) -> Answer:
    root = "../../"
    body = render(
        "thanks.html",
        language,
        root=root,
        switcher=_switcher(root, f"/thanks/{reference}?topic={decision.topic.key}"),
        reference=reference,
        topic_label=decision.topic.label(language),
        contact=decision.contact,
        response_days=decision.topic.response_days,
        next_steps=(decision.topic.next_steps or {}).get(language, ""),
    )
    return _page(200, body)


def privacy_page(language: str, routing: RoutingConfig) -> Answer:
    root = "../"
    body = render(
        "privacy.html",
        language,
        root=root,
        switcher=_switcher(root, "/privacy"),
        privacy=routing.privacy,
        organisations=[organisation.name for organisation in routing.organisations.values()],
        # The longest any topic keeps an inquiry: "after at most N days".
        retention_days=max(topic.retention_days for topic in routing.topics.values()),
    )
    return _page(200, body)


def not_found_page(language: str, root: str) -> Answer:
    """A 404 that lists the languages, so a mistyped /xx still leads somewhere."""
    return notice_page(language, root=root, status=404)


def unknown_language_page(accept_language: str | None, root: str) -> Answer:
    """The 404 for a path in a language not offered: said in the browser's best one."""
    return not_found_page(negotiate_language(accept_language, form_languages()), root=root)


def notice_page(language: str, *, root: str, status: int) -> Answer:
    """A short page for 404 (no such page), 413 (too large) and 503 (a backend is down)."""
    body = render("notice.html", language, root=root, switcher=_switcher(root, ""),
                  status=status)
    extra = {"Retry-After": "60"} if status == 503 else {}
    return _page(status, body, **extra)


@functools.cache
def stylesheet() -> str:
    return (TEMPLATE_DIR / "assets" / "wegweiser.css").read_text(encoding="utf-8")
