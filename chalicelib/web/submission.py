"""POST /inquiries: from an HTTP request to an answer, for browsers and for API clients.

The request is first turned into one outcome (accepted, refused with field errors,
rate limited, unavailable, too large); the outcome is then rendered once, as a page
for a browser (303 to the thank-you page, or the form again with the errors and
every word the resident typed) or as JSON for an API client (201, or 4xx with
translated messages). A backend failure is a 503 that stored nothing half-way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote

from chalicelib.core.inquiry import ErrorCode, FieldError, InvalidInquiry, TokenProblem
from chalicelib.core.intake import InquiryIntake
from chalicelib.core.languages import negotiate_language
from chalicelib.core.messages import RATE_LIMITED, TOO_LARGE, UNAVAILABLE, field_error
from chalicelib.core.ports import StoreUnavailable
from chalicelib.core.rate_limit import RateLimited
from chalicelib.core.records import InquiryRecord
from chalicelib.core.routing import RoutingConfig
from chalicelib.core.templating import form_languages, translate
from chalicelib.web.pages import Answer, form_page, notice_page

FORM = "application/x-www-form-urlencoded"
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"}
# 5,000 characters of Arabic are 10 kB of UTF-8 and 30 kB once form-encoded: a genuine
# inquiry always fits, with room to spare; anything larger is not one.
MAX_BODY_BYTES = 128 * 1024


class BadBody(ValueError):
    """The body cannot be read as fields at all."""

    def __init__(self, code: FieldError) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Submission:
    """One POST /inquiries as the routes receive it."""

    content_type: str
    body: bytes
    accept_language: str | None
    client_address: str
    issue_form_token: Callable[[], str]  # a fresh token, for a form shown again (not on success)
    # The thank-you page's token for a reference (core/thanks_token.py), for the Location.
    issue_thanks_token: Callable[[str], str]

    @property
    def is_form(self) -> bool:
        return self.content_type.split(";")[0].strip().lower() == FORM


@dataclass(frozen=True)
class Accepted:
    record: InquiryRecord
    thanks_token: str  # lets the thank-you page read the inquiry, so it shows the address


@dataclass(frozen=True)
class Refused:
    """Not accepted; nothing was stored. What to say, and what to keep for another try.

    `errors` are per field; `problem` (an English msgid) concerns the whole inquiry.
    `fresh_token` says the form's own token cannot be used again.
    """

    status: int
    language: str
    fields: Mapping[str, object] = field(default_factory=dict)
    errors: Mapping[str, ErrorCode] = field(default_factory=dict)
    problem: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    fresh_token: bool = False


Outcome = Accepted | Refused


def answer_submission(intake: InquiryIntake, submission: Submission) -> Answer:
    outcome = submission_outcome(intake, submission)
    if submission.is_form:
        return as_page(outcome, intake.current_routing(), submission)
    return as_json(outcome)


def submission_outcome(intake: InquiryIntake, submission: Submission) -> Outcome:
    language = negotiate_language(submission.accept_language, form_languages())
    if len(submission.body) > MAX_BODY_BYTES:
        return Refused(413, language, problem=TOO_LARGE)
    try:
        fields = parse_fields(submission.is_form, submission.body)
    except BadBody as bad:
        return Refused(422, language, errors={"body": bad.code}, fresh_token=True)

    chosen = fields.get("language")
    if isinstance(chosen, str) and chosen in form_languages():
        language = chosen
    try:
        record = intake.accept(fields, default_language=language,
                               client_address=submission.client_address)
    except RateLimited as limited:
        return Refused(429, language, fields, problem=RATE_LIMITED,
                       headers={"Retry-After": str(limited.retry_after)})
    except InvalidInquiry as invalid:
        # Keep a token that will still be accepted, so a quick correction is not "too fast".
        token_problem = invalid.errors.get("form_token")
        return Refused(422, language, fields, errors=invalid.errors,
                       fresh_token=token_problem not in (None, TokenProblem.TOO_FAST))
    except StoreUnavailable:
        return Refused(503, language, fields, problem=UNAVAILABLE,
                       headers={"Retry-After": "60"})
    return Accepted(record, submission.issue_thanks_token(record.reference))


def thanks_location(accepted: Accepted) -> str:
    """Relative, so it works behind a stage prefix; the topic names who will answer, the
    token lets the page show the address. The address itself never goes into a URL."""
    record = accepted.record
    return (f"{record.inquiry.language}/thanks/{record.reference}"
            f"?topic={quote(record.inquiry.topic)}&t={quote(accepted.thanks_token)}")


def as_page(outcome: Outcome, routing: RoutingConfig, submission: Submission) -> Answer:
    """The outcome for a browser: the thank-you page, or the form again with the text."""
    if isinstance(outcome, Accepted):
        # 303 turns the POST into a GET: reloading the thank-you page sends nothing again.
        return Answer(303, "", {"Location": thanks_location(outcome),
                                "Cache-Control": "no-store"})
    if outcome.status == 413:
        return notice_page(outcome.language, root="", status=413)
    errors = dict(outcome.errors)
    if "body" in errors:  # the form shows a body it cannot read as a problem of the form
        errors["form_token"] = errors.pop("body")
    token = outcome.fields.get("form_token")
    if outcome.fresh_token or not (isinstance(token, str) and token):
        token = submission.issue_form_token()
    return form_page(outcome.language, routing, token, values=outcome.fields, errors=errors,
                     problem=outcome.problem, status=outcome.status, headers=outcome.headers)


def as_json(outcome: Outcome) -> Answer:
    """The outcome for an API client: 201 with the reference, or the error in words."""
    if isinstance(outcome, Accepted):
        record = outcome.record
        return _json(201, {"reference": record.reference,
                           "organisation": record.recipient.organisation},
                     Location=thanks_location(outcome))
    if outcome.problem:
        return _json(outcome.status, {"error": translate(outcome.language, outcome.problem)},
                     **outcome.headers)
    errors = {name: field_error(code, outcome.language) for name, code in outcome.errors.items()}
    return _json(outcome.status, {"errors": errors}, **outcome.headers)


def parse_fields(is_form: bool, body: bytes) -> dict[str, object]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadBody(FieldError.INVALID_ENCODING) from error
    if is_form:
        try:
            parsed = parse_qs(text, keep_blank_values=True, max_num_fields=50)
        except ValueError as error:  # more fields than any form of ours has
            raise BadBody(FieldError.UNREADABLE_FORM) from error
        # A repeated field counts once, as its first value.
        return {name: values[0] for name, values in parsed.items()}
    try:
        fields = json.loads(text, object_pairs_hook=_refuse_duplicate_keys) if text.strip() else {}
    except json.JSONDecodeError as error:
        raise BadBody(FieldError.INVALID_JSON) from error
    except RecursionError as error:  # "[[[[…]]]]" a thousand deep: no inquiry is nested
        raise BadBody(FieldError.NESTED_TOO_DEEPLY) from error
    if not isinstance(fields, dict):
        raise BadBody(FieldError.NOT_AN_OBJECT)
    return fields


def _refuse_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        # Which of two values would count is a guess; a guess is no answer.
        raise BadBody(FieldError.DUPLICATE_KEY)
    return dict(pairs)


def _json(status: int, payload: object, **extra_headers: str) -> Answer:
    return Answer(status, json.dumps(payload, ensure_ascii=False),
                  {**JSON_HEADERS, **extra_headers})
