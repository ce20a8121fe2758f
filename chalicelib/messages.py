"""Texts that code (not a template) chooses: field errors and language names.

Kept as English msgids marked with N_ so Babel extracts them into every catalog;
they are translated at the moment a page or an answer is made.
"""

from __future__ import annotations

from chalicelib.templating import N_, translate

FIELD_ERRORS: dict[str, str] = {
    "email_required": N_("Please enter your email address."),
    "email_display_name": N_("Please enter only the email address, for example name@example.org."),
    "email_international_local_part": N_(
        "We cannot send email to an address with special letters before the @ sign. "
        "Please use an address with only Latin letters before the @."
    ),
    "invalid_email": N_("This email address is not correct. Please check it, for example "
                        "name@example.org."),
    "topic_required": N_("Please choose a topic."),
    "unknown_topic": N_("Please choose one of the topics in the list."),
    "message_required": N_("Please write your message."),
    "message_too_long": N_("Your message is too long. Please use at most 5,000 characters."),
    "name_too_long": N_("Your name is too long. Please use at most 200 characters."),
    "control_characters": N_("This field contains characters that are not allowed. "
                             "Please remove them."),
    "wrong_type": N_("Please send this field as text."),
    "unknown_language": N_("Please choose one of the languages of this form."),
    "token_missing": N_("Something went wrong with the form. Your text is still here. "
                        "Please press “Send” again."),
    "token_invalid": N_("Something went wrong with the form. Your text is still here. "
                        "Please press “Send” again."),
    "token_expired": N_("The form was open for a long time. Your text is still here. "
                        "Please press “Send” again."),
    "token_used": N_("This form was already sent with other text. Your text is still here. "
                     "Please press “Send” again."),
    "token_too_fast": N_("That was very fast. Please check your entries and press “Send” again."),
    "unreadable_form": N_("The form data could not be read. Please press “Send” again."),
    "duplicate_key": N_("The request names a field more than once."),
    "invalid_json": N_("The request is not valid JSON."),
    "invalid_encoding": N_("The request is not valid UTF-8 text."),
    "not_an_object": N_("The request must be a JSON object."),
}

# Problems that concern the whole inquiry, not one field.
UNAVAILABLE = N_("We could not save your inquiry just now. Nothing was sent. "
                 "Please try again in a few minutes.")
RATE_LIMITED = N_("You have sent many inquiries in a short time. "
                  "Please wait a while and try again.")
TOO_LARGE = N_("Your inquiry is too large to send. Please shorten your message.")

# The resident's language, named in the staff's language: the contact person reads
# "Sprache: Arabisch" and knows to bring an interpreter.
LANGUAGE_NAMES: dict[str, str] = {
    "de": N_("German"),
    "en": N_("English"),
    "ar": N_("Arabic"),
    "uk": N_("Ukrainian"),
    "ru": N_("Russian"),
    "fa": N_("Persian (Farsi)"),
    "tr": N_("Turkish"),
}


def field_error(code: str, language: str) -> str:
    return translate(language, FIELD_ERRORS[code])


def language_name(code: str, in_language: str) -> str:
    return translate(in_language, LANGUAGE_NAMES[code])
