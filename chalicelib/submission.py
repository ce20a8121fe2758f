"""POST /inquiries: from an HTTP request to an answer, for browsers and for API clients.

A browser sends a form (303 to the thank-you page, or the form again with the
errors and every word the resident typed); an API client sends JSON (201, or 4xx
with translated messages). A backend failure is a 503 that stored nothing half-way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, quote

from chalicelib.inquiry import InvalidInquiry
from chalicelib.languages import negotiate_language
from chalicelib.messages import RATE_LIMITED, TOO_LARGE, UNAVAILABLE, field_error
from chalicelib.pages import Answer, form_page, notice_page
from chalicelib.rate_limit import RateLimiter
from chalicelib.service import InquiryIntake
from chalicelib.store import StoreUnavailable
from chalicelib.templating import form_languages, translate

FORM = "application/x-www-form-urlencoded"
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"}
# 5,000 characters of Arabic are 10 kB of UTF-8 and 30 kB once form-encoded: a genuine
# inquiry always fits, with room to spare; anything larger is not one.
MAX_BODY_BYTES = 128 * 1024


class BadBody(ValueError):
    """The body cannot be read as fields at all; the value is an error code."""


@dataclass(frozen=True)
class Submission:
    """One POST /inquiries as the routes receive it."""

    content_type: str
    body: bytes
    accept_language: str | None
    client_address: str
    issue_form_token: Callable[[], str]  # a fresh token, for a form shown again (not on success)

    @property
    def is_form(self) -> bool:
        return self.content_type.split(";")[0].strip().lower() == FORM


def parse_fields(is_form: bool, body: bytes) -> dict[str, object]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadBody("invalid_encoding") from error
    if is_form:
        try:
            parsed = parse_qs(text, keep_blank_values=True, max_num_fields=50)
        except ValueError as error:  # more fields than any form of ours has
            raise BadBody("unreadable_form") from error
        # A repeated field counts once, as its first value.
        return {name: values[0] for name, values in parsed.items()}
    try:
        fields = json.loads(text, object_pairs_hook=_refuse_duplicate_keys) if text.strip() else {}
    except json.JSONDecodeError as error:
        raise BadBody("invalid_json") from error
    if not isinstance(fields, dict):
        raise BadBody("not_an_object")
    return fields


def _refuse_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        # Which of two values would count is a guess; a guess is no answer.
        raise BadBody("duplicate_key")
    return dict(pairs)


def answer_submission(
    intake: InquiryIntake, limiter: RateLimiter, submission: Submission
) -> Answer:
    language = negotiate_language(submission.accept_language, form_languages())
    routing = intake.current_routing()
    if len(submission.body) > MAX_BODY_BYTES:
        if submission.is_form:
            return notice_page(language, root="", status=413)
        return _json(413, {"error": translate(language, TOO_LARGE)})
    try:
        fields = parse_fields(submission.is_form, submission.body)
    except BadBody as bad:
        if submission.is_form:
            return form_page(language, routing, submission.issue_form_token(),
                             errors={"form_token": str(bad)})
        return _json(422, {"errors": {"body": field_error(str(bad), language)}})

    chosen = fields.get("language")
    if isinstance(chosen, str) and chosen in form_languages():
        language = chosen
    retry_after = limiter.retry_after(submission.client_address, intake.clock())
    if retry_after is not None:
        headers = {"Retry-After": str(retry_after)}
        if submission.is_form:
            return form_page(language, routing, _kept_token(fields, submission), values=fields,
                             problem=RATE_LIMITED, status=429, headers=headers)
        return _json(429, {"error": translate(language, RATE_LIMITED)}, **headers)

    try:
        record = intake.accept(fields, default_language=language)
    except InvalidInquiry as invalid:
        if not submission.is_form:
            errors = {field: field_error(code, language) for field, code in invalid.errors.items()}
            return _json(422, {"errors": errors})
        # Keep a token that will still be accepted, so a quick correction is not "too fast".
        if invalid.errors.get("form_token") in (None, "token_too_fast"):
            token = _kept_token(fields, submission)
        else:
            token = submission.issue_form_token()
        return form_page(language, routing, token, values=fields, errors=invalid.errors)
    except StoreUnavailable:
        headers = {"Retry-After": "60"}
        if submission.is_form:
            return form_page(language, routing, _kept_token(fields, submission), values=fields,
                             problem=UNAVAILABLE, status=503, headers=headers)
        return _json(503, {"error": translate(language, UNAVAILABLE)}, **headers)

    # Relative, so it works behind a stage prefix; the topic names who will answer.
    thanks = (f"{record.inquiry.language}/thanks/{record.reference}"
              f"?topic={quote(record.inquiry.topic)}")
    if submission.is_form:
        # 303 turns the POST into a GET: reloading the thank-you page sends nothing again.
        return Answer(303, "", {"Location": thanks, "Cache-Control": "no-store"})
    return _json(
        201,
        {"reference": record.reference, "organisation": record.recipient.organisation},
        Location=thanks,
    )


def _kept_token(fields: dict[str, object], submission: Submission) -> str:
    """The form's own token when it has one, so nothing makes the resident wait again."""
    token = fields.get("form_token")
    return token if isinstance(token, str) and token else submission.issue_form_token()


def _json(status: int, payload: object, **extra_headers: str) -> Answer:
    return Answer(status, json.dumps(payload, ensure_ascii=False),
                  {**JSON_HEADERS, **extra_headers})
