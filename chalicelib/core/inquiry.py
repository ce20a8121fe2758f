"""What a resident sent, checked: the fields of an inquiry and the rules they obey.

Pure: no AWS, no HTTP. Errors are codes per field (FieldError; their texts are in
messages.py) so the page and the JSON answer can each say them in the resident's language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

from chalicelib.core.combining_marks import COMBINING_MARKS

MAX_MESSAGE_LENGTH = 5000
MAX_NAME_LENGTH = 200
MAX_EMAIL_LENGTH = 254
MAX_PHONE_LENGTH = 40  # as typed: "+49 (0) 461 / 85-2640" and some room
PHONE_REGION = "DE"  # a number without a country code is a German one
MAX_LOCAL_PART_LENGTH = 64  # RFC 5321, 4.5.3.1.1
# Normalisation (NFC) can merge up to three code points into one, never more: longer
# raw text cannot be within its field's limit, and is refused before it is normalised.
RAW_LENGTH_FACTOR = 3
# UAX #15's stream-safe text format: never more than 30 combining marks in a row. NFC
# reorders each run of marks, at a cost that grows with the square of the run's length.
MAX_COMBINING_RUN = 30

# A field hidden from people and screen readers; only bots fill it.
HONEYPOT = "website"

# The fields in the order the form shows them; errors are reported in this order.
FIELDS = ("name", "email", "answer_by", "phone", "interpreter", "topic", "consent", "message",
          "language", "form_token")


class AnswerBy(StrEnum):
    """How the resident wants the answer (the form's `answer_by`)."""

    EMAIL = "email"
    PHONE = "phone"  # a call back: then `phone` is required
    IN_PERSON = "in_person"  # in the organisation's office hours



class FieldError(StrEnum):
    """Why a field, or the body that carries the fields, cannot be accepted."""

    EMAIL_REQUIRED = "email_required"
    EMAIL_DISPLAY_NAME = "email_display_name"
    EMAIL_INTERNATIONAL_LOCAL_PART = "email_international_local_part"
    INVALID_EMAIL = "invalid_email"
    TOPIC_REQUIRED = "topic_required"
    UNKNOWN_TOPIC = "unknown_topic"
    CONSENT_REQUIRED = "consent_required"
    MESSAGE_REQUIRED = "message_required"
    MESSAGE_TOO_LONG = "message_too_long"
    NAME_TOO_LONG = "name_too_long"
    PHONE_REQUIRED = "phone_required"
    INVALID_PHONE = "invalid_phone"
    UNKNOWN_ANSWER_BY = "unknown_answer_by"
    CONTROL_CHARACTERS = "control_characters"
    WRONG_TYPE = "wrong_type"
    UNKNOWN_LANGUAGE = "unknown_language"
    # The body as a whole: reported on the form's token field or as errors.body.
    UNREADABLE_FORM = "unreadable_form"
    DUPLICATE_KEY = "duplicate_key"
    INVALID_JSON = "invalid_json"
    INVALID_ENCODING = "invalid_encoding"
    NOT_AN_OBJECT = "not_an_object"
    NESTED_TOO_DEEPLY = "nested_too_deeply"


class TokenProblem(StrEnum):
    """Why a form token cannot be used now (reported on the field form_token)."""

    MISSING = "token_missing"
    INVALID = "token_invalid"
    EXPIRED = "token_expired"
    USED = "token_used"  # the same form already sent with other text
    TOO_FAST = "token_too_fast"


ErrorCode = FieldError | TokenProblem


@dataclass(frozen=True)
class Inquiry:
    """A valid inquiry, normalised (NFC, newlines as \\n, the domain in punycode)."""

    email: str
    topic: str
    message: str
    name: str
    language: str
    # The resident gave explicit consent for a topic that asks for it (Art. 9(2)(a) GDPR);
    # False for every other topic, whatever was sent.
    consent: bool = False
    # The resident asked for an interpreter (counted per language in the statistics).
    interpreter: bool = False
    answer_by: AnswerBy = AnswerBy.EMAIL
    # E.164 ("+494611234567"), or "": personal data like the address, erased with it.
    phone: str = ""


class InvalidInquiry(ValueError):
    """The inquiry breaks a rule; `errors` maps each field to one error code."""

    def __init__(self, errors: Mapping[str, ErrorCode]) -> None:
        super().__init__(", ".join(f"{field}: {code}" for field, code in errors.items()))
        self.errors = dict(errors)


def check_inquiry(
    fields: Mapping[str, object],
    *,
    topics: Collection[str],
    languages: Collection[str],
    default_language: str,
    consent_topics: Collection[str] = (),
) -> Inquiry:
    """Check the submitted fields; raise InvalidInquiry naming every broken one.

    An inquiry about one of `consent_topics` (their inquiries usually hold health data)
    needs `consent`: the form's "yes" or JSON true.
    """
    errors: dict[str, ErrorCode] = {}
    text: dict[str, str] = {}
    for field in ("email", "topic", "message", "name", "language", "answer_by", "phone"):
        value = fields.get(field)
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[field] = FieldError.WRONG_TYPE
            continue
        # Bounded before it is normalised: NFC of a crafted text can take seconds.
        if len(value) > RAW_LENGTH_FACTOR * _MAX_LENGTHS[field]:
            errors[field] = _TOO_LONG[field]
            continue
        if _COMBINING_RUN.search(value):
            errors[field] = FieldError.CONTROL_CHARACTERS
            continue
        text[field] = _normalise(value, multiline=field == "message")
        if _has_control_characters(text[field], allow_newlines=field == "message"):
            errors[field] = FieldError.CONTROL_CHARACTERS

    if "email" not in errors:
        email_error, email = _check_email(text["email"])
        if email_error:
            errors["email"] = email_error
        text["email"] = email
    if "topic" not in errors and text["topic"] not in topics:
        errors["topic"] = (FieldError.TOPIC_REQUIRED if not text["topic"]
                           else FieldError.UNKNOWN_TOPIC)
    consent = "topic" not in errors and text["topic"] in consent_topics
    given = fields.get("consent")
    # Only the two documented values: not 1, not "true", not "on".
    if consent and not (given is True or given == "yes"):
        errors["consent"] = FieldError.CONSENT_REQUIRED
    if "message" not in errors:
        if not text["message"]:
            errors["message"] = FieldError.MESSAGE_REQUIRED
        elif len(text["message"]) > MAX_MESSAGE_LENGTH:
            errors["message"] = FieldError.MESSAGE_TOO_LONG
    if "name" not in errors and len(text["name"]) > MAX_NAME_LENGTH:
        errors["name"] = FieldError.NAME_TOO_LONG
    answer_by = AnswerBy.EMAIL
    if "answer_by" not in errors and text["answer_by"]:
        if text["answer_by"] in AnswerBy.__members__.values():
            answer_by = AnswerBy(text["answer_by"])
        else:
            errors["answer_by"] = FieldError.UNKNOWN_ANSWER_BY
    if "phone" not in errors:
        # Required for a call back; elsewhere optional, and refused only if it is wrong.
        if not text["phone"]:
            if answer_by is AnswerBy.PHONE:
                errors["phone"] = FieldError.PHONE_REQUIRED
        else:
            phone = _check_phone(text["phone"])
            if phone is None:
                errors["phone"] = FieldError.INVALID_PHONE
            else:
                text["phone"] = phone
    if "language" not in errors:
        if not text["language"]:
            text["language"] = default_language
        elif text["language"] not in languages:
            errors["language"] = FieldError.UNKNOWN_LANGUAGE

    if errors:
        raise InvalidInquiry({field: errors[field] for field in FIELDS if field in errors})
    return Inquiry(
        email=text["email"],
        topic=text["topic"],
        message=text["message"],
        name=text["name"],
        language=text["language"],
        consent=consent,
        # The interpreter checkbox sends "yes", JSON true; anything else is no need.
        interpreter=fields.get("interpreter") is True or fields.get("interpreter") == "yes",
        answer_by=answer_by,
        # Checked on every path (a wrong number is a mistake worth saying), kept only for
        # a call back: the privacy notice promises the number is used only to call.
        phone=text["phone"] if answer_by is AnswerBy.PHONE else "",
    )


# The longest each field may be once normalised; topic and language are keys, short.
_MAX_LENGTHS = {"email": MAX_EMAIL_LENGTH, "topic": 100, "message": MAX_MESSAGE_LENGTH,
                "name": MAX_NAME_LENGTH, "language": 20, "answer_by": 20,
                "phone": MAX_PHONE_LENGTH}
_TOO_LONG = {"email": FieldError.INVALID_EMAIL, "topic": FieldError.UNKNOWN_TOPIC,
             "message": FieldError.MESSAGE_TOO_LONG, "name": FieldError.NAME_TOO_LONG,
             "language": FieldError.UNKNOWN_LANGUAGE,
             "answer_by": FieldError.UNKNOWN_ANSWER_BY, "phone": FieldError.INVALID_PHONE}
_COMBINING_RUN = re.compile(f"[{COMBINING_MARKS}]{{{MAX_COMBINING_RUN + 1},}}")


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


def _check_phone(value: str) -> str | None:
    """The number in E.164 ("+494611234567"), or None if it is no possible, valid number.
    German numbers may be written without +49 ("0461 1234567")."""
    # Imported here: only a POST with a number needs it (phonenumberslite: Google's
    # libphonenumber metadata, read region by region on first use).
    import phonenumbers

    try:
        number = phonenumbers.parse(value, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class ShownPhone:
    """A stored number as a link dials it (E.164) and as a person reads it."""

    e164: str  # "+494611234567"
    shown: str  # "+49 461 1234567"


def shown_phone(e164: str) -> ShownPhone:
    import phonenumbers  # the worker and the pages only, when there is a number

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:  # stored by an older rule: as it is
        return ShownPhone(e164, e164)
    return ShownPhone(e164, phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


def _check_email(value: str) -> tuple[FieldError | None, str]:
    """An error code or None, and the address to send to (domain in punycode)."""
    if not value:
        return FieldError.EMAIL_REQUIRED, value
    if "<" in value or ">" in value or " " in value:
        # "Eve <eve@example.org>": people paste this from their mail program.
        return FieldError.EMAIL_DISPLAY_NAME, value
    local_part = value.rpartition("@")[0]
    if not local_part.isascii():
        # SES cannot send to internationalised local parts (no SMTPUTF8).
        return FieldError.EMAIL_INTERNATIONAL_LOCAL_PART, value
    if len(value) > MAX_EMAIL_LENGTH or len(local_part) > MAX_LOCAL_PART_LENGTH:
        return FieldError.INVALID_EMAIL, value
    if "=?" in local_part:
        # An RFC 2047 encoded word ("=?utf-8?q?eve=40evil.example?=@…") is no address a
        # person has, and mail software may decode it into another one.
        return FieldError.INVALID_EMAIL, value
    # Imported here: it compiles large regexes (about 25 ms) that only a POST needs.
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return FieldError.INVALID_EMAIL, value
    return None, checked.ascii_email or checked.normalized
