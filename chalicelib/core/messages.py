"""Texts that code (not a template) chooses: field errors and language names.

Kept as English msgids marked with N_ so Babel extracts them into every catalog;
they are translated at the moment a page or an answer is made.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.core.inquiry import (
    MAX_MESSAGE_LENGTH,
    MAX_NAME_LENGTH,
    ErrorCode,
    FieldError,
    TokenProblem,
)
from chalicelib.core.languages import LANGUAGES, write_number
from chalicelib.core.records import Confirmation
from chalicelib.core.templating import N_, translate, translate_plural


@dataclass(frozen=True)
class LimitText:
    """A text that names a limit: both English forms, and the limit that picks the form.

    Babel extracts LimitText("…", "…", …) as a plural entry (babel.cfg names it), so each
    catalog holds every form its language needs: 5 000 символов, but 21 символ.
    """

    singular: str
    plural: str
    limit: int


FIELD_ERRORS: dict[ErrorCode, str | LimitText] = {
    FieldError.EMAIL_REQUIRED: N_("Please enter your email address."),
    FieldError.EMAIL_DISPLAY_NAME: N_(
        "Please enter only the email address, for example name@example.org."),
    FieldError.EMAIL_INTERNATIONAL_LOCAL_PART: N_(
        "We cannot send email to this address. "
        "Please use an address with only a–z, digits and . - _ before the @ sign."
    ),
    FieldError.INVALID_EMAIL: N_("This email address is not correct. Please check it, "
                                 "for example name@example.org."),
    FieldError.TOPIC_REQUIRED: N_("Please choose a topic."),
    FieldError.UNKNOWN_TOPIC: N_("Please choose one of the topics in the list."),
    FieldError.CONSENT_REQUIRED: N_(
        "Please tick the box. For questions about health, we need your consent."),
    FieldError.MESSAGE_REQUIRED: N_("Please write your message."),
    FieldError.MESSAGE_TOO_LONG: LimitText(
        "Your message is too long. Please use at most %(limit)s character.",
        "Your message is too long. Please use at most %(limit)s characters.",
        MAX_MESSAGE_LENGTH),
    FieldError.NAME_TOO_LONG: LimitText(
        "Your name is too long. Please use at most %(limit)s character.",
        "Your name is too long. Please use at most %(limit)s characters.",
        MAX_NAME_LENGTH),
    FieldError.PHONE_REQUIRED: N_("Please enter your phone number, so that we can call you back."),
    FieldError.INVALID_PHONE: N_("This phone number does not look right. Please check it, for "
                                 "example 0461 1234567 or +49 461 1234567."),
    FieldError.UNKNOWN_ANSWER_BY: N_("Please choose how you would like the answer."),
    FieldError.CONTROL_CHARACTERS: N_("This field contains characters that are not allowed. "
                             "Please remove them."),
    FieldError.WRONG_TYPE: N_("Please send this field as text."),
    FieldError.UNKNOWN_LANGUAGE: N_("Please choose one of the languages of this form."),
    TokenProblem.MISSING: N_("Something went wrong with the form. Your text is still here. "
                        "Please press “Send” again."),
    TokenProblem.INVALID: N_("Something went wrong with the form. Your text is still here. "
                        "Please press “Send” again."),
    TokenProblem.EXPIRED: N_("The form was open for a long time. Your text is still here. "
                        "Please press “Send” again."),
    TokenProblem.USED: N_("This form was already sent with other text. Your text is still here. "
                     "Please press “Send” again."),
    TokenProblem.TOO_FAST: N_(
        "The form was sent too quickly. Please check your entries and press “Send” again."),
    FieldError.UNREADABLE_FORM: N_("The form data could not be read. Please press “Send” again."),
    FieldError.DUPLICATE_KEY: N_("The request names a field more than once."),
    FieldError.INVALID_JSON: N_("The request is not valid JSON."),
    FieldError.INVALID_ENCODING: N_("The request is not valid UTF-8 text."),
    FieldError.NOT_AN_OBJECT: N_("The request must be a JSON object."),
    FieldError.NESTED_TOO_DEEPLY: N_(
        "The request nests too deeply. Please send the fields as one flat JSON object."),
}

# Problems that concern the whole inquiry, not one field.
UNAVAILABLE = N_("We could not save your inquiry just now. Nothing was sent. "
                 "Please try again in a few minutes.")
RATE_LIMITED = N_("You have sent many inquiries in a short time. "
                  "Please wait a while and try again.")
TOO_LARGE = N_("Your inquiry is too large to send. Please shorten your message.")

# The resident's language, named in the staff's language: the contact person reads
# "Sprache: Arabisch" and knows to bring an interpreter.


def field_error(code: ErrorCode, language: str) -> str:
    text = FIELD_ERRORS[code]
    if isinstance(text, LimitText):
        form = translate_plural(language, text.singular, text.plural, text.limit)
        return form % {"limit": write_number(text.limit, language)}
    return translate(language, text)


def language_name(code: str, in_language: str) -> str:
    """A resident's language as a staff email names it ("Arabisch"); an unknown code as
    it is (an inquiry stored before its language was removed)."""
    known = LANGUAGES.get(code)
    return known.name_in(in_language) if known is not None else code


# Said in the staff email when the resident got no confirmation, in the staff's language.
CONFIRMATION_WITHHELD: dict[Confirmation, str] = {
    Confirmation.TOO_MANY: N_(
        "No confirmation was sent to the resident: this address has already received "
        "several today (a limit against misuse of the form). It may be mistyped or "
        "not the resident's own."),
    Confirmation.BOUNCED: N_(
        "No confirmation was sent to the resident: email to this address has bounced. "
        "A reply by email may not arrive."),
    Confirmation.COMPLAINED: N_(
        "No confirmation was sent to the resident: the owner of this address marked an "
        "earlier email from Wegweiser as spam. It may not be the resident's own address."),
}
