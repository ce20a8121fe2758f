"""What a resident reads for an error code (messages.py): in their language, for every code."""

from __future__ import annotations

import pytest

from chalicelib.core.inquiry import FieldError, TokenProblem
from chalicelib.core.languages import LANGUAGES
from chalicelib.core.messages import field_error, language_name

EVERY_CODE = [*FieldError, *TokenProblem]


@pytest.mark.parametrize(("code", "language", "text"), [
    pytest.param(FieldError.EMAIL_REQUIRED, "de", "Bitte geben Sie Ihre E-Mail-Adresse ein.",
                 id="german"),
    pytest.param(FieldError.EMAIL_REQUIRED, "ar", "يُرجى إدخال عنوان بريدك الإلكتروني.",
                 id="arabic"),
    pytest.param(FieldError.EMAIL_REQUIRED, "en", "Please enter your email address.",
                 id="english"),
    pytest.param(TokenProblem.TOO_FAST, "de", "Das Formular wurde zu schnell gesendet. Bitte "
                 "prüfen Sie Ihre Angaben und drücken Sie noch einmal auf „Senden“.",
                 id="german-too-fast"),
])
def test_an_error_is_said_in_the_residents_language(
    code: FieldError | TokenProblem, language: str, text: str
) -> None:
    assert field_error(code, language) == text


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_error_code_has_a_translated_text_in_every_language(language: str) -> None:
    untranslated = [code for code in EVERY_CODE
                    if field_error(code, language) == field_error(code, "en")]

    assert untranslated == []


def test_a_german_contact_reads_the_residents_language_in_german() -> None:
    assert language_name("ar", "de") == "Arabisch"
    assert language_name("fa", "en") == "Persian (Farsi / Dari)"
