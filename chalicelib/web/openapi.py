"""GET /openapi.json: the public API described in OpenAPI 3.1, for the people and tools
that build clients for it.

It exists so an API client need not read this code to learn the contract: which
fields an inquiry has and their limits, which topics and languages there are, and
which answers (and headers) come back. It is built from the same constants and the
same routing config the app checks against, so a new topic in routing.toml or a new
language appears here without an edit.

Plain dicts, no OpenAPI library: nothing more in the deployment package, and
nothing is built until the route asks for it.
"""

from __future__ import annotations

from typing import Any

from chalicelib.core.inquiry import (
    FIELDS,
    MAX_EMAIL_LENGTH,
    MAX_MESSAGE_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PHONE_LENGTH,
    AnswerBy,
)
from chalicelib.core.languages import DEFAULT_LANGUAGE, LANGUAGES
from chalicelib.core.references import PATTERN as REFERENCE_PATTERN
from chalicelib.core.routing import RoutingConfig

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.1.0"  # the version of this description: raise it when the contract changes


JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
HTML = "text/html"

Schema = dict[str, Any]

HTML_PAGE: Schema = {"type": "string"}
THANKS_PAGE = ("The thank-you page, `{language}/thanks/{reference}?topic={topic}&t={token}`, "
               "relative to the API root.")
UNKNOWN_LANGUAGE = "No such language: a page that links to every language."
LANGUAGE_IN_PATH = "A language code: " + ", ".join(f"`{code}`" for code in LANGUAGES) + "."

DESCRIPTION = f"""\
Wegweiser routes residents' inquiries to the right contact person by email.

Browsers use the HTML pages and send the form (`{FORM}`); other programs fetch a
token from `GET /form-token` and send the inquiry as JSON.

The messages of `422`, `429` and `503` answers are in the request's language: the
inquiry's `language` field, else the best match of `Accept-Language`, else German
(`{DEFAULT_LANGUAGE}`). A `413` is answered before the body is read: in the language of
`Accept-Language`, else German.

All paths and redirects are relative to the API root, which has a stage prefix
(such as `/api/`) when deployed."""


def openapi_document(routing: RoutingConfig) -> dict[str, Any]:
    """The OpenAPI 3.1 description of the public API, for the topics of `routing`."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Wegweiser", "version": API_VERSION, "description": DESCRIPTION},
        "servers": [{"url": "/", "description": "The API root (deployed: with its stage prefix)."}],
        "paths": _paths(),
        "components": {
            "schemas": {
                "Inquiry": _inquiry_schema(routing),
                "Accepted": _accepted_schema(),
                "ValidationErrors": _validation_errors_schema(),
                "Problem": _problem_schema(),
            },
            "parameters": {"AcceptLanguage": _accept_language_parameter()},
        },
    }


# ------------------------------------------------------------------------- paths


def _paths() -> dict[str, Any]:
    return {
        "/": {"get": _operation(
            "showForm", "The contact form, in the best language of `Accept-Language`.",
            {"200": _html("The form.")},
            [_ref("parameters", "AcceptLanguage")],
        )},
        "/{language}": {
            "get": _operation(
                "showFormInLanguage", "The contact form in one language.",
                {"200": _html("The form."), "404": _html(UNKNOWN_LANGUAGE)},
                [_path_parameter("language", LANGUAGE_IN_PATH)],
            ),
            "post": _switch_language(),
        },
        "/{language}/thanks/{reference}": {"get": _operation(
            "showThanks",
            "The thank-you page after sending: the reference, and who will answer.",
            {
                "200": _html("The thank-you page."),
                "404": _html("No such language, or not a reference."),
            },
            [
                _path_parameter("language", LANGUAGE_IN_PATH),
                _path_parameter("reference", "The inquiry's reference, such as `K7QM-X3PA`.",
                                {"type": "string", "pattern": REFERENCE_PATTERN}),
                {"name": "topic", "in": "query", "required": False,
                 "description": "The inquiry's topic, so the page names who will answer.",
                 "schema": {"type": "string"}},
                {"name": "t", "in": "query", "required": False,
                 "description": "The thank-you token of the `Location`: signed, bound to the "
                                "reference, valid for an hour. With it the page also shows the "
                                "address the confirmation goes to (never part of the URL).",
                 "schema": {"type": "string"}},
            ],
        )},
        "/{language}/status/{reference}": {"get": _status()},
        "/{language}/status/{reference}/erase": _erasure(),
        "/{language}/answered/{reference}": _answered(),
        "/{language}/privacy": {"get": _operation(
            "showPrivacyNotice", "The privacy notice (Art. 13 GDPR).",
            {"200": _html("The privacy notice."), "404": _html(UNKNOWN_LANGUAGE)},
            [_path_parameter("language", LANGUAGE_IN_PATH)],
        )},
        "/{language}/accessibility": {"get": _operation(
            "showAccessibilityStatement",
            "The accessibility statement (BITV 2.0 § 12a); binding in German.",
            {"200": _html("The accessibility statement."), "404": _html(UNKNOWN_LANGUAGE)},
            [_path_parameter("language", LANGUAGE_IN_PATH)],
        )},
        "/{language}/leichte-sprache": {"get": _operation(
            "showEasyReadExplanation",
            "Wegweiser explained in Leichte Sprache (easy-to-read German, BITV 2.0 § 4): "
            "`de` only; another language of the form is sent on to `de/leichte-sprache`.",
            {
                "200": _html("The explanation in Leichte Sprache (for `de`)."),
                "303": _response("Another language of the form: on to the German page.",
                                 headers={"Location": _header("`../de/leichte-sprache`.")}),
                "404": _html(UNKNOWN_LANGUAGE),
            },
            [_path_parameter("language", LANGUAGE_IN_PATH)],
        )},
        "/form-token": {"get": _operation(
            "issueFormToken",
            "A form token for one inquiry; it is accepted a few seconds after it was issued "
            "(people need time to write) until 24 hours later.",
            {"200": _response("A fresh form token.", content={JSON: _object(
                {"form_token": {"type": "string"}}
            )})},
        )},
        "/inquiries": {"post": _submit_inquiry()},
        "/claim/{reference}": _claim(),
        "/openapi.json": {"get": _operation(
            "describeApi", "This description.",
            {"200": _response("The OpenAPI document.", content={JSON: {"type": "object"}})},
        )},
    }


def _switch_language() -> dict[str, Any]:
    operation = _operation(
        "switchLanguage",
        "The form's language switcher without JavaScript: the form's fields, posted to the "
        "language wanted, come back as the form in that language with the values kept. "
        "Nothing is stored, counted or sent.",
        {"200": _html("The form, with the posted values."), "404": _html(UNKNOWN_LANGUAGE)},
        [_path_parameter("language", LANGUAGE_IN_PATH)],
    )
    operation["requestBody"] = {
        "required": False,
        "content": {FORM: {"schema": {"type": "object"}}},
    }
    return operation
def _claim() -> dict[str, Any]:
    """The contact person's page of one inquiry, from the link in each staff email."""
    reference = _path_parameter("reference", "The inquiry's reference, such as `K7QM-X3PA`.",
                                {"type": "string", "pattern": REFERENCE_PATTERN})
    missing = _html("A bad or foreign token, or an unknown or expired inquiry: the same "
                    "page for all.")
    look = _operation(
        "showClaimPage",
        "For the contact person the link of a staff email was addressed to, in their staff "
        "language: the topic, when it arrived, whether and by whom it was claimed, and a "
        "button that claims it. Changes nothing: mail scanners open every link.",
        {"200": _html("The page."), "404": missing},
        [reference, {"name": "t", "in": "query", "required": True,
                     "description": "The link's token.", "schema": {"type": "string"}}],
    )
    claim = _operation(
        "claimInquiry",
        "Claim the inquiry for the link's recipient: no more reminders or escalations. "
        "The first claim stands; claiming again is harmless.",
        {"200": _html("The page again, naming who claimed it and when."), "404": missing},
        [reference],
    )
    claim["requestBody"] = {"required": True, "content": {FORM: {"schema": _object(
        {"t": {"type": "string", "description": "The token of the page's link."}})}}}
    return {"get": look, "post": claim}


def _answered() -> dict[str, Any]:
    """The follow-up's page: did the resident get an answer?"""
    language = _path_parameter("language", LANGUAGE_IN_PATH)
    reference = _path_parameter("reference", "The inquiry's reference, such as `K7QM-X3PA`.",
                                {"type": "string", "pattern": REFERENCE_PATTERN})
    missing = _html("A wrong token, an unknown, expired or erased reference, or an answer "
                    "other than yes or no: the same page for all.")
    look = _operation(
        "showAnswerPage",
        "From a link of the follow-up email, in the page's language: one button for the "
        "link's answer, or the answer recorded already. Changes nothing: mail scanners "
        "open every link.",
        {"200": _html("The page."), "404": missing},
        [language, reference,
         {"name": "t", "in": "query", "required": True,
          "description": "The answer links' token: signed, bound to the reference, valid "
                         "until the inquiry's retention ends.", "schema": {"type": "string"}},
         {"name": "answer", "in": "query", "required": True,
          "schema": {"type": "string", "enum": ["yes", "no"]}}],
    )
    answer = _operation(
        "answerFollowUp",
        "Record the resident's answer. `yes` closes the loop (the name, address and "
        "message are deleted); `no` passes the inquiry on to the next person of the "
        "escalation path. The first answer stands; a later one is shown it.",
        {"200": _html("The recorded answer and what happens now."), "404": missing},
        [language, reference],
    )
    answer["requestBody"] = {"required": True, "content": {FORM: {"schema": _object({
        "t": {"type": "string", "description": "The token of the page's link."},
        "answer": {"type": "string", "enum": ["yes", "no"]}})}}}
    return {"get": look, "post": answer}


def _status() -> dict[str, Any]:
    """The resident's status page, from the link in their confirmation."""
    missing = "A wrong token, an unknown or an expired reference: the same answer for all."
    status = _object({
        "reference": {"type": "string", "pattern": REFERENCE_PATTERN},
        "state": {"type": "string", "enum": ["received", "claimed", "answered",
                                             "not_answered"]},
        "organisation": {"type": "string",
                         "description": "The organisation that handles the inquiry now."},
        "received": {"type": "string", "format": "date-time"},
        "claimed": {"type": ["string", "null"], "format": "date-time",
                    "description": "When somebody took the inquiry on; null until then."},
        "answered": {"type": ["boolean", "null"],
                     "description": "The resident's answer to the follow-up; null until "
                                    "they gave one."},
    })
    return _operation(
        "showStatus",
        "The resident's status page in the page's language: when the inquiry arrived, the "
        "organisation that handles it, whether and when somebody took it on. Never a name, "
        "the message or a staff address. `Accept: application/json` gives the JSON.",
        {
            "200": _response("The status.", content={HTML: HTML_PAGE, JSON: status}),
            "410": _response("The resident had the inquiry's personal data erased.",
                             content={HTML: HTML_PAGE, JSON: ERASED}),
            "404": _response(missing, content={
                HTML: HTML_PAGE, JSON: _object({"error": {"type": "string",
                                                          "enum": ["not_found"]}})}),
            "503": _response("The inquiries cannot be read just now.", retry_after=True,
                             content={HTML: HTML_PAGE, JSON: _object(
                                 {"error": {"type": "string", "enum": ["unavailable"]}})}),
        },
        [
            _path_parameter("language", LANGUAGE_IN_PATH),
            _path_parameter("reference", "The inquiry's reference, such as `K7QM-X3PA`.",
                            {"type": "string", "pattern": REFERENCE_PATTERN}),
            {"name": "t", "in": "query", "required": True,
             "description": "The status link's token: signed, bound to the reference, valid "
                            "until the inquiry's retention ends.",
             "schema": {"type": "string"}},
        ],
    )


ERASED: Schema = {"type": "object", "required": ["state"], "additionalProperties": False,
                  "properties": {"state": {"type": "string", "enum": ["erased"]}}}


def _erasure() -> dict[str, Any]:
    """Erasure on the resident's request (Art. 17 GDPR), from the status page."""
    missing = _response("A wrong token, an unknown or an expired reference: the status "
                        "page's answer.", content={HTML: HTML_PAGE, JSON: _object(
                            {"error": {"type": "string", "enum": ["not_found"]}})})
    unavailable = _response("The inquiries cannot be read just now.", retry_after=True,
                            content={HTML: HTML_PAGE, JSON: _object(
                                {"error": {"type": "string", "enum": ["unavailable"]}})})
    path = [_path_parameter("language", LANGUAGE_IN_PATH),
            _path_parameter("reference", "The inquiry's reference, such as `K7QM-X3PA`.",
                            {"type": "string", "pattern": REFERENCE_PATTERN})]
    look = _operation(
        "showErasure",
        "The confirmation page of erasure: what it does (the resident's name, address and "
        "message deleted at once; every contact person who received the inquiry asked to "
        "delete their copy; no more reminders, escalations or follow-up) and does not do, "
        "and one button. Changes nothing: mail scanners open every link.",
        {"200": _html("The confirmation page."),
         "410": _response("Erased already.", content={HTML: HTML_PAGE, JSON: ERASED}),
         "404": missing, "503": unavailable},
        [*path, {"name": "t", "in": "query", "required": True,
                 "description": "The status link's token.", "schema": {"type": "string"}}],
    )
    erase = _operation(
        "eraseInquiry",
        "Erase the inquiry's personal data at once and tell its contact persons to delete "
        "their copies. Erasing again is harmless; afterwards the status link answers 410.",
        {"200": _response("Erased: the page that says so, or the JSON.",
                          content={HTML: HTML_PAGE, JSON: ERASED}),
         "404": missing, "503": unavailable},
        path,
    )
    erase["requestBody"] = {"required": True, "content": {FORM: {"schema": _object(
        {"t": {"type": "string", "description": "The status link's token."}})}}}
    return {"get": look, "post": erase}


def _submit_inquiry() -> dict[str, Any]:
    inquiry = _ref("schemas", "Inquiry")
    operation = _operation(
        "submitInquiry",
        "Send an inquiry: as a form from a browser, or as JSON from a program. "
        "It is stored before the answer; its emails are sent shortly after.",
        {
            "201": _response(
                "JSON: accepted. The body names the reference and the organisation that "
                "will answer.",
                content={JSON: _ref("schemas", "Accepted")},
                headers={"Location": _header(THANKS_PAGE)},
            ),
            "303": _response(
                "Form: accepted; the browser is sent on to the thank-you page.",
                headers={"Location": _header(THANKS_PAGE)},
            ),
            "413": _response(
                "The body is too large for any inquiry. JSON: a message; form: a short page.",
                content={JSON: _ref("schemas", "Problem"), HTML: HTML_PAGE},
            ),
            "415": _response(f"The body is neither `{JSON}` nor `{FORM}`."),
            "422": _response(
                "The inquiry breaks a rule. JSON: an error message for each field (or for "
                "`body`, when it cannot be read at all). Form: the form again, with the "
                "errors shown and the resident's text kept.",
                content={JSON: _ref("schemas", "ValidationErrors"), HTML: HTML_PAGE},
            ),
            "429": _response(
                "Too many inquiries from one address; try again after `Retry-After` seconds. "
                "JSON: a message; form: the form again, with the resident's text kept.",
                content={JSON: _ref("schemas", "Problem"), HTML: HTML_PAGE},
                retry_after=True,
            ),
            "503": _response(
                "A backend is unavailable; nothing was stored and nothing will be sent. "
                "JSON: a message; form: the form again, with the resident's text kept.",
                content={JSON: _ref("schemas", "Problem"), HTML: HTML_PAGE},
                retry_after=True,
            ),
        },
        [_ref("parameters", "AcceptLanguage")],
    )
    operation["requestBody"] = {
        "required": True,
        "content": {JSON: {"schema": inquiry}, FORM: {"schema": inquiry}},
    }
    return operation


# -------------------------------------------------------------------- schemas


def _inquiry_schema(routing: RoutingConfig) -> Schema:
    topics = "".join(f"\n- `{key}`: {topic.label('en')}" for key, topic in routing.topics.items())
    special = [key for key, topic in routing.topics.items() if topic.special_category]
    properties: dict[str, Schema] = {
        "name": {"type": "string", "maxLength": MAX_NAME_LENGTH,
                 "description": "The resident's name; may be empty."},
        "email": {
            "type": "string", "format": "email", "maxLength": MAX_EMAIL_LENGTH,
            "description": "Where the answer goes. Only ASCII before the @ (email cannot be "
                           "sent to other addresses); internationalised domains are fine.",
        },
        "topic": {"type": "string", "enum": list(routing.topics),
                  "description": "What the inquiry is about:" + topics},
        "message": {
            "type": "string", "minLength": 1, "maxLength": MAX_MESSAGE_LENGTH,
            "description": "The inquiry; its length counts after Unicode NFC normalisation.",
        },
        "language": {
            "type": "string", "enum": list(LANGUAGES),
            "description": "The resident's language: of the confirmation email and of error "
                           "messages. Default: the best match of `Accept-Language`.",
        },
        "form_token": {"type": "string",
                       "description": "From `GET /form-token` (the form has it as a hidden "
                                      "input). One token per inquiry."},
        "answer_by": {
            "type": "string", "enum": [choice.value for choice in AnswerBy],
            "description": "How the resident wants the answer: `email` (the default), "
                           "`phone` (a call back: then `phone` is required) or `in_person` "
                           "(in the organisation's office hours).",
        },
        "phone": {
            "type": "string", "maxLength": MAX_PHONE_LENGTH,
            "description": "A phone number; a German one may be written without +49 "
                           "(0461 1234567). Required when `answer_by` is `phone`, optional "
                           "otherwise, and refused only when it is not a valid number "
                           "(`422` with `errors.phone`). Stored in E.164 as personal data.",
        },
        "interpreter": {
            "enum": [True, False, "yes"],
            "description": "The resident needs an interpreter: JSON `true`, or the form "
                           "checkbox's `yes`. The staff email says so in the resident's "
                           "language, and the anonymous statistics count it.",
        },
        "consent": {
            "enum": [True, "yes"],
            "description": "Explicit consent (Art. 9(2)(a) GDPR) to the use of the health "
                           "data an inquiry holds: JSON `true`, or the form's `yes`. Required "
                           "for the topics whose inquiries usually hold health data"
                           + (" (" + ", ".join(f"`{key}`" for key in special) + ")"
                              if special else "") + "; without it `422` "
                           "with `errors.consent`. Ignored for the other topics.",
        },
    }
    schema = _object(properties, required=("email", "topic", "message", "form_token"))
    schema["allOf"] = [{
        "if": {"properties": {"answer_by": {"const": AnswerBy.PHONE.value}},
               "required": ["answer_by"]},
        "then": {"required": ["phone"]},
    }]
    if special:
        schema["allOf"].append({
            "if": {"properties": {"topic": {"enum": special}}, "required": ["topic"]},
            "then": {"required": ["consent"]},
        })
    return schema


def _accepted_schema() -> Schema:
    return _object({
        "reference": {"type": "string", "pattern": REFERENCE_PATTERN,
                      "description": "Quote it when you write or call about the inquiry."},
        "organisation": {"type": "string",
                         "description": "The organisation that will answer."},
    })


def _validation_errors_schema() -> Schema:
    message = {"type": "string", "description": "What is wrong, in the request's language."}
    return _object({
        "errors": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"enum": [*FIELDS, "body"]},
            "additionalProperties": message,
        },
    })


def _problem_schema() -> Schema:
    return _object({
        "error": {"type": "string",
                  "description": "What went wrong and what to do, in the request's language."},
    })


# -------------------------------------------------------------------- helpers


def _object(properties: dict[str, Schema], required: tuple[str, ...] | None = None) -> Schema:
    """An object schema; every property is required unless `required` says otherwise."""
    return {
        "type": "object",
        "required": list(properties if required is None else required),
        "properties": properties,
    }


def _ref(kind: str, name: str) -> Schema:
    return {"$ref": f"#/components/{kind}/{name}"}


def _operation(
    operation_id: str,
    summary: str,
    responses: dict[str, Any],
    parameters: list[Schema] | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {"operationId": operation_id, "summary": summary}
    if parameters:
        operation["parameters"] = parameters
    operation["responses"] = responses
    return operation


def _response(
    description: str,
    *,
    content: dict[str, Schema] | None = None,
    headers: dict[str, Any] | None = None,
    retry_after: bool = False,
) -> dict[str, Any]:
    """A response; `content` maps each media type to its schema."""
    response: dict[str, Any] = {"description": description}
    all_headers = dict(headers or {})
    if retry_after:
        all_headers["Retry-After"] = _header("Seconds to wait before trying again.",
                                             {"type": "integer", "minimum": 0})
    if all_headers:
        response["headers"] = all_headers
    if content:
        response["content"] = {media: {"schema": schema} for media, schema in content.items()}
    return response


def _html(description: str) -> dict[str, Any]:
    return _response(description, content={HTML: HTML_PAGE})


def _header(description: str, schema: Schema | None = None) -> dict[str, Any]:
    return {"description": description, "schema": schema or {"type": "string"}}


def _path_parameter(name: str, description: str, schema: Schema | None = None) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": schema or {"type": "string"}}


def _accept_language_parameter() -> dict[str, Any]:
    return {
        "name": "Accept-Language",
        "in": "header",
        "required": False,
        "description": "The languages the resident reads, as browsers send them.",
        "schema": {"type": "string"},
    }
