"""POST /inquiries: from an HTTP request to an answer, for browsers and for API clients.

A browser sends a form (303 to the thank-you page, or 422 with the form, its errors
and the resident's text); an API client sends JSON (201 or 422 with translated
errors). Either way, a backend failure is a 503 that stored nothing half-way.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from chalicelib.inquiry import InvalidInquiry
from chalicelib.languages import negotiate_language
from chalicelib.messages import UNAVAILABLE, field_error
from chalicelib.pages import Answer, form_page
from chalicelib.service import InquiryIntake
from chalicelib.store import StoreUnavailable
from chalicelib.templating import form_languages, translate

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"}


def _json(status: int, payload: object, **extra_headers: str) -> Answer:
    return Answer(status, json.dumps(payload, ensure_ascii=False),
                  {**JSON_HEADERS, **extra_headers})


class BadBody(ValueError):
    """The body cannot be read as fields at all; the value is an error code."""


def parse_fields(content_type: str, body: bytes) -> dict[str, object]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadBody("invalid_encoding") from error
    if content_type == FORM:
        try:
            parsed = parse_qs(text, keep_blank_values=True, max_num_fields=50, errors="strict")
        except (ValueError, UnicodeDecodeError) as error:
            raise BadBody("invalid_encoding") from error
        # A repeated field counts once, as its first value.
        return {name: values[0] for name, values in parsed.items()}
    try:
        fields = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as error:
        raise BadBody("invalid_json") from error
    if not isinstance(fields, dict):
        raise BadBody("not_an_object")
    return fields


def answer_submission(
    intake: InquiryIntake,
    *,
    content_type: str,
    body: bytes,
    accept_language: str | None,
    new_form_token: str,
) -> Answer:
    is_form = content_type.split(";")[0].strip().lower() == FORM
    language = negotiate_language(accept_language, form_languages())
    try:
        fields = parse_fields(FORM if is_form else JSON, body)
    except BadBody as bad:
        if is_form:
            return form_page(language, intake.routing, new_form_token,
                                   errors={"form_token": str(bad)})
        return _json(422, {"errors": {"body": field_error(str(bad), language)}})

    chosen = fields.get("language")
    if isinstance(chosen, str) and chosen in form_languages():
        language = chosen
    try:
        record = intake.accept(fields, default_language=language)
    except InvalidInquiry as invalid:
        if not is_form:
            errors = {field: field_error(code, language) for field, code in invalid.errors.items()}
            return _json(422, {"errors": errors})
        # Keep a token that will still be accepted, so a quick correction is not "too fast".
        token = fields.get("form_token")
        if invalid.errors.get("form_token") not in (None, "token_too_fast"):
            token = new_form_token
        return form_page(language, intake.routing,
                               token if isinstance(token, str) else new_form_token,
                               values=fields, errors=invalid.errors)
    except StoreUnavailable:
        if is_form:
            return form_page(language, intake.routing, str(fields.get("form_token", "")),
                                   values=fields, unavailable=True)
        return _json(503, {"error": translate(language, UNAVAILABLE)}, **{"Retry-After": "60"})

    thanks = f"{record.inquiry.language}/thanks/{record.reference}"
    if is_form:
        # Relative, so it works behind a stage prefix; 303 turns the POST into a GET.
        return Answer(303, "", {"Location": thanks, "Cache-Control": "no-store"})
    return _json(
        201,
        {"reference": record.reference, "organisation": record.recipient.organisation},
        Location=thanks,
    )
