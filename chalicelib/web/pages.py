"""The HTML pages a resident sees, as complete HTTP answers (status, headers, body).

All links are relative to the API root (`root` is "" or "../../"), because the
deployed API sits behind a stage prefix such as /api/ and `chalice local` does not.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from chalicelib.core.inquiry import MAX_MESSAGE_LENGTH, ErrorCode, shown_phone
from chalicelib.core.languages import LANGUAGES, negotiate_language
from chalicelib.core.loop import CLOSE_AFTER_DAYS
from chalicelib.core.messages import field_error
from chalicelib.core.records import InquiryRecord
from chalicelib.core.routing import RoutingConfig, RoutingDecision
from chalicelib.core.templating import TEMPLATE_DIR, form_languages, render, translate

# DynamoDB point-in-time recovery (.chalice/resources.json) keeps a deleted item this long.
BACKUP_DAYS = 35

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


def page_answer(status: int, body: str, **extra_headers: str) -> Answer:
    """A rendered page as an answer, with the security headers every page has."""
    return _page(status, body, **extra_headers)


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
        switcher_form="inquiry",  # the language buttons post what was typed (POST /{lang})
        topics=[
            (topic.key, topic.label(language), (topic.urgent_hint or {}).get(language, ""))
            for topic in routing.topics.values()
        ],
        values=kept,
        errors=shown_errors,
        problem=translate(language, problem) if problem else None,
        form_token=form_token,
        max_message_length=MAX_MESSAGE_LENGTH,
        # The topics that ask for explicit consent (health data), and whether a topic's
        # inquiries go to copies too (cc): the form says truly who receives an inquiry.
        consent_topics={topic.key: topic.label(language) for topic in routing.topics.values()
                        if topic.special_category},
        copies=any(topic.cc for topic in routing.topics.values()),
    )
    return _page(status or (422 if errors else 200), body, **(headers or {}))


def thanks_page(
    language: str, reference: str, decision: RoutingDecision, *, token: str | None = None,
    record: InquiryRecord | None = None,
) -> Answer:
    """The thank-you page; with the stored inquiry, also the address the answer goes to.

    `token` (the thank-you token) goes on in the language switcher's links, so the page
    in another language shows the address too.
    """
    root = "../../"
    query = f"?topic={quote(decision.topic.key)}" + (f"&t={quote(token)}" if token else "")
    # Whether the answer may come in another language: as decided when it arrived, when
    # the inquiry could be read; else the same decision again, for the page's language.
    speaks = (record.recipient.speaks_resident_language if record is not None
              else language in decision.contact.languages)
    body = render(
        "thanks.html",
        language,
        root=root,
        switcher=_switcher(root, f"/thanks/{reference}{query}"),
        reference=reference,
        topic_label=decision.topic.label(language),
        contact=decision.contact,
        response_days=decision.topic.response_days,
        next_steps=(decision.topic.next_steps or {}).get(language, ""),
        email=record.inquiry.email if record is not None else "",
        speaks_your_language=speaks,
        # How the answer comes, as the stored inquiry says (no record: the page as before).
        answer_by=record.inquiry.answer_by if record is not None else "",
        phone=(shown_phone(record.inquiry.phone).shown
               if record is not None and record.inquiry.phone else ""),
        interpreter=record is not None and record.inquiry.interpreter,
        office_hours=decision.contact.organisation.office_hours.get(language, ""),
    )
    return _page(200, body)


def privacy_page(language: str, routing: RoutingConfig) -> Answer:
    """The privacy notice (Art. 13 GDPR): the [privacy] table of the routing file, what the
    topics keep and for how long, and the facts of the stack."""
    from chalicelib.core.ses_feedback import KEEP_RECORDS  # only this page needs it

    root = "../"
    privacy = routing.privacy
    topics = list(routing.topics.values())
    body = render(
        "privacy.html",
        language,
        root=root,
        switcher=_switcher(root, "/privacy"),
        privacy=privacy,
        # Each organisation and how it stands to the controller (None: the controller's own).
        organisations=[(organisation.name, privacy.partners.get(key))
                       for key, organisation in routing.organisations.items()],
        consent_topics=[topic.label(language) for topic in topics if topic.special_category],
        copies=[(topic.label(language), topic.cc) for topic in topics if topic.cc],
        retention=retention_groups(routing, language),
        close_after_days=CLOSE_AFTER_DAYS,
        feedback_days=KEEP_RECORDS.days,
        backup_days=BACKUP_DAYS,
    )
    return _page(200, body)


def retention_groups(routing: RoutingConfig, language: str) -> list[tuple[list[str] | None, int]]:
    """How long inquiries are kept, as the notice says it: (topic labels, days) for each
    retention that only some topics have, then (None, days) for all the others."""
    by_days: dict[int, list[str]] = {}
    for topic in routing.topics.values():
        by_days.setdefault(topic.retention_days, []).append(topic.label(language))
    # "All other inquiries" are those of the retention most topics share.
    usual = max(by_days, key=lambda days: len(by_days[days]))
    groups: list[tuple[list[str] | None, int]] = [
        (labels, days) for days, labels in sorted(by_days.items()) if days != usual]
    return [*groups, (None, usual)]


def accessibility_page(language: str, routing: RoutingConfig) -> Answer:
    """The accessibility statement (BITV 2.0 § 12a): the [accessibility] table of the
    routing file. Binding in German; the other languages are translations."""
    root = "../"
    body = render(
        "accessibility.html",
        language,
        root=root,
        switcher=_switcher(root, "/accessibility"),
        accessibility=routing.accessibility,
        controller=routing.privacy.legal_entity,
        german_href=f"{root}de/accessibility",
    )
    return _page(200, body)


def easy_read_page(routing: RoutingConfig) -> Answer:
    """The explanation in Leichte Sprache (BITV 2.0 § 4), linked from the German form:
    German only: its language switcher leads to the form in each language."""
    root = "../"
    body = render("leichte-sprache.html", "de", root=root, switcher=_switcher(root, ""),
                  controller=routing.privacy.legal_entity,
                  feedback_email=routing.accessibility.feedback_email)
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
