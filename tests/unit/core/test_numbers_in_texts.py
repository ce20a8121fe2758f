"""Numbers in the residents' texts: written as each language writes them, in the right form.

The limits of the form (5,000 and 200 characters) come from the code's constants through a
placeholder, so a changed limit changes every language, and each language's plural form
fits the number ("5 000 символов", "21 символ").
"""

from __future__ import annotations

import pytest
from babel.numbers import format_decimal

from chalicelib.core.inquiry import MAX_MESSAGE_LENGTH, MAX_NAME_LENGTH, FieldError
from chalicelib.core.languages import LANGUAGES, write_number
from chalicelib.core.messages import FIELD_ERRORS, LimitText, field_error
from chalicelib.core.templating import translate_plural

NBSP = "\u00a0"


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("number", [0, 7, 200, 999, 1000, 5000, 12345, 1234567])
def test_each_language_writes_a_number_as_cldr_does(language: str, number: int) -> None:
    assert write_number(number, language) == format_decimal(number, locale=language)


@pytest.mark.parametrize(
    ("language", "written"),
    [("de", "5.000"), ("en", "5,000"), ("ru", f"5{NBSP}000"), ("uk", f"5{NBSP}000"),
     ("tr", "5.000"), ("ar", "5,000"), ("fa", "5,000")],
)
def test_the_limit_of_a_message_is_written_as_the_language_writes_numbers(
    language: str, written: str
) -> None:
    assert written in field_error(FieldError.MESSAGE_TOO_LONG, language)


def test_the_limits_come_from_the_constants_the_rules_check() -> None:
    assert FIELD_ERRORS[FieldError.MESSAGE_TOO_LONG] == LimitText(
        "Your message is too long. Please use at most %(limit)s character.",
        "Your message is too long. Please use at most %(limit)s characters.",
        MAX_MESSAGE_LENGTH)
    assert field_error(FieldError.NAME_TOO_LONG, "en") == (
        f"Your name is too long. Please use at most {MAX_NAME_LENGTH} characters.")


@pytest.mark.parametrize(
    ("language", "code", "says"),
    [
        pytest.param("ru", FieldError.MESSAGE_TOO_LONG, f"не более 5{NBSP}000 символов.",
                     id="ru-5000-genitive-plural"),
        pytest.param("uk", FieldError.NAME_TOO_LONG, "не більше ніж 200 символів.",
                     id="uk-200-many"),
        pytest.param("ar", FieldError.MESSAGE_TOO_LONG, "5,000 حرف.", id="ar-5000-singular"),
        pytest.param("de", FieldError.NAME_TOO_LONG, "höchstens 200 Zeichen.", id="de-200"),
    ],
)
def test_a_limit_takes_the_plural_form_its_number_needs(
    language: str, code: FieldError, says: str
) -> None:
    assert field_error(code, language).endswith(says)


@pytest.mark.parametrize(
    ("language", "count", "says"),
    [
        pytest.param("uk", 21, "21 символ.", id="uk-21-one"),
        pytest.param("uk", 3, "3 символи.", id="uk-3-few"),
        pytest.param("ru", 21, "21 символа.", id="ru-21-one"),
        pytest.param("ar", 1, "حرفًا واحدًا.", id="ar-1-in-words"),
        pytest.param("ar", 2, "حرفين.", id="ar-2-dual"),
        pytest.param("ar", 7, "7 أحرف.", id="ar-7-few"),
        pytest.param("ar", 40, "40 حرفًا.", id="ar-40-many"),
    ],
)
def test_a_small_limit_would_take_its_own_form_too(language: str, count: int, says: str) -> None:
    limit = FIELD_ERRORS[FieldError.NAME_TOO_LONG]
    assert isinstance(limit, LimitText)

    text = translate_plural(language, limit.singular, limit.plural, count) % {"limit": count}

    assert text.endswith(says)
