"""What a resident sent, checked: the fields of an inquiry and the rules they obey.

Pure: no AWS, no HTTP. Errors are codes per field (see FIELD_ERRORS in messages.py)
so the page and the JSON answer can each say them in the resident's language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass

MAX_MESSAGE_LENGTH = 5000
MAX_NAME_LENGTH = 200
MAX_EMAIL_LENGTH = 254

# A field hidden from people and screen readers; only bots fill it.
HONEYPOT = "website"

# The fields in the order the form shows them; errors are reported in this order.
FIELDS = ("name", "email", "topic", "message", "language", "form_token")


@dataclass(frozen=True)
class Inquiry:
    """A valid inquiry, normalised (NFC, newlines as \\n, the domain in punycode)."""

    email: str
    topic: str
    message: str
    name: str
    language: str


class InvalidInquiry(ValueError):
    """The inquiry breaks a rule; `errors` maps each field to one error code."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(", ".join(f"{field}: {code}" for field, code in errors.items()))
        self.errors = dict(errors)


def check_inquiry(
    fields: Mapping[str, object],
    *,
    topics: Collection[str],
    languages: Collection[str],
    default_language: str,
) -> Inquiry:
    """Check the submitted fields; raise InvalidInquiry naming every broken one."""
    errors: dict[str, str] = {}
    text: dict[str, str] = {}
    for field in ("email", "topic", "message", "name", "language"):
        value = fields.get(field)
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[field] = "wrong_type"
            continue
        text[field] = _normalise(value, multiline=field == "message")
        if _has_control_characters(text[field], allow_newlines=field == "message"):
            errors[field] = "control_characters"

    if "email" not in errors:
        email_error, email = _check_email(text["email"])
        if email_error:
            errors["email"] = email_error
        text["email"] = email
    if "topic" not in errors and text["topic"] not in topics:
        errors["topic"] = "topic_required" if not text["topic"] else "unknown_topic"
    if "message" not in errors:
        if not text["message"]:
            errors["message"] = "message_required"
        elif len(text["message"]) > MAX_MESSAGE_LENGTH:
            errors["message"] = "message_too_long"
    if "name" not in errors and len(text["name"]) > MAX_NAME_LENGTH:
        errors["name"] = "name_too_long"
    if "language" not in errors:
        if not text["language"]:
            text["language"] = default_language
        elif text["language"] not in languages:
            errors["language"] = "unknown_language"

    if errors:
        raise InvalidInquiry({field: errors[field] for field in FIELDS if field in errors})
    return Inquiry(
        email=text["email"],
        topic=text["topic"],
        message=text["message"],
        name=text["name"],
        language=text["language"],
    )


def _normalise(value: str, *, multiline: bool) -> str:
    value = unicodedata.normalize("NFC", value)
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.strip()


# Cc (C0/C1 controls: CR, LF, NUL, NEL…), Cs (lone surrogates), Zl/Zp (line and paragraph
# separators, which some mail clients treat as line breaks): exactly these code points.
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029"
# Invisible format characters a one-line field does not need: bidi embeddings,
# overrides and isolates (they can make a name read as something else) and zero-width
# spaces. The joiners ZWNJ/ZWJ and the marks LRM/RLM/ALM stay: Persian and Arabic
# names need them. The message keeps bidi controls: it is shown isolated (dir="auto").
_SPOOFING = "\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff"
# One regular expression each, searched in C: a character loop costs a POST 30 µs.
_NOT_IN_MESSAGE = re.compile(f"[{_CONTROLS}]")
_NOT_IN_ONE_LINE = re.compile(f"[{_CONTROLS}\t\n{_SPOOFING}]")


def _has_control_characters(value: str, *, allow_newlines: bool) -> bool:
    pattern = _NOT_IN_MESSAGE if allow_newlines else _NOT_IN_ONE_LINE
    return pattern.search(value) is not None


def _check_email(value: str) -> tuple[str | None, str]:
    """An error code or None, and the address to send to (domain in punycode)."""
    if not value:
        return "email_required", value
    if "<" in value or ">" in value or " " in value:
        # "Eve <eve@example.org>": people paste this from their mail program.
        return "email_display_name", value
    local_part = value.rpartition("@")[0]
    if not local_part.isascii():
        # SES cannot send to internationalised local parts (no SMTPUTF8).
        return "email_international_local_part", value
    if len(value) > MAX_EMAIL_LENGTH:
        return "invalid_email", value
    # Imported here: it compiles large regexes (about 25 ms) that only a POST needs.
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return "invalid_email", value
    return None, checked.ascii_email or checked.normalized
