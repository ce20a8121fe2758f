"""The form's limits as a resident reads them: in their language's way of writing numbers.

The page and the JSON answer say the same limit the rules check (MAX_MESSAGE_LENGTH).
"""

from __future__ import annotations

import pytest
from chalice.test import Client

from chalicelib.core.inquiry import MAX_MESSAGE_LENGTH
from tests.support.emulator import Emulator, Submit

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("language", "says"),
    [("de", "Höchstens 5.000 Zeichen."), ("ru", f"Не более 5{NBSP}000 символов."),
     ("en", "At most 5,000 characters."), ("ar", "الحد الأقصى: 5,000 حرف.")],
)
def test_the_forms_hint_writes_the_limit_as_the_language_writes_numbers(
    client: Client, language: str, says: str
) -> None:
    html = client.http.get(f"/{language}").body.decode()

    assert says in html


def test_a_message_over_the_limit_is_refused_with_the_limit_in_german_digits(
    submit_json: Submit, aws: Emulator
) -> None:
    status, answer = submit_json(
        {"email": "resident@example.org", "topic": "work",
         "message": "x" * (MAX_MESSAGE_LENGTH + 1)}, language="de")

    assert status == 422
    assert answer["errors"] == {
        "message": "Ihre Nachricht ist zu lang. Bitte schreiben Sie höchstens 5.000 Zeichen."}
    assert aws.stored_inquiries() == []
