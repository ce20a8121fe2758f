"""The resident's language runs through everything: errors, thank-you page, confirmation.

The staff keep German, and are told in German which language the resident wrote in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from chalicelib.core.languages import LANGUAGES
from chalicelib.core.templating import translate
from tests.support.emulator import Emulator, Submit

RESIDENT = "resident@example.org"
LANGUAGE_IN_GERMAN = {
    "de": "Deutsch", "en": "Englisch", "ar": "Arabisch", "uk": "Ukrainisch",
    "ru": "Russisch", "fa": "Persisch (Farsi / Dari)", "tr": "Türkisch",
    "ps": "Paschtu", "kmr": "Kurmandschi (Kurdisch)",
}


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_confirmation_is_in_the_residents_language_and_the_staff_email_names_it_in_german(
    language: str, submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    status, answer = submit_json(
        {"email": RESIDENT, "topic": "health", "consent": True, "message": "…",
         "language": language})
    assert status == 201
    deliver_queued()
    by_recipient = {e.recipients[0]: e for e in aws.sent()}

    confirmation = by_recipient[RESIDENT]
    reference = answer["reference"]
    if LANGUAGES[language].direction == "rtl":  # isolated left to right inside RTL text
        reference = f"\u2066{reference}\u2069"
    expected_subject = translate(language, "Your inquiry %(reference)s has arrived") % {
        "reference": reference}
    assert confirmation.subject == expected_subject
    if language != "en":
        assert confirmation.subject != f"Your inquiry {answer['reference']} has arrived"
    html_tag = re.search(r"<html[^>]*>", confirmation.html)
    assert html_tag is not None
    assert f'lang="{language}"' in html_tag.group(0)
    assert f'dir="{LANGUAGES[language].direction}"' in html_tag.group(0)
    assert confirmation.header("Content-Language") == language

    to_staff = by_recipient["presse@drk.de"]
    assert f"(Sprache: {LANGUAGE_IN_GERMAN[language]})" in to_staff.subject
    assert to_staff.header("Content-Language") == "de"


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_json_errors_are_translated_into_the_language_of_the_request(
    language: str, submit_json: Submit, aws: Emulator
) -> None:
    status, answer = submit_json({"email": "", "topic": "work", "message": "Hallo"},
                                 language=f"{language};q=0.9, en;q=0.5")

    assert status == 422
    message = answer["errors"]["email"]
    assert message == translate(language, "Please enter your email address.")
    assert message != "Please enter your email address."


def test_an_expired_form_is_renewed_and_the_residents_text_is_kept(
    client: Client, aws: Emulator
) -> None:
    long_ago = aws.services.tokens.issue(0)
    body = urlencode({"email": RESIDENT, "topic": "culture", "language": "en",
                      "message": "Ein langer Text, langsam geschrieben.",
                      "form_token": long_ago})
    response = client.http.post(
        "/inquiries", headers={"Content-Type": "application/x-www-form-urlencoded"}, body=body)

    assert response.status_code == 422
    html = response.body.decode()
    assert "The form was open for a long time. Your text is still here." in html
    assert "Ein langer Text, langsam geschrieben.</textarea>" in html
    token = re.search(r'name="form_token" value="([^"]+)"', html)
    assert token is not None and token.group(1) != long_ago
    assert aws.stored_inquiries() == []


def test_an_unknown_language_is_a_404_that_lists_the_languages(client: Client) -> None:
    response = client.http.get("/xx", headers={"Accept-Language": "en"})

    assert response.status_code == 404
    html = response.body.decode()
    for language in LANGUAGES.values():
        assert language.endonym in html


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_form_links_to_a_privacy_notice_in_the_same_language(
    language: str, client: Client
) -> None:
    form = client.http.get(f"/{language}").body.decode()
    assert f'href="{language}/privacy"' in form

    notice = client.http.get(f"/{language}/privacy")

    assert notice.status_code == 200
    html = notice.body.decode()
    assert f'<html lang="{language}"' in html
    assert translate(language, "Privacy notice") in html
    assert "Stadt Flensburg, Amt für Integration" in html, "names the controller"
    assert "180" in html, "names the storage period"
    for organisation in ("Integration in Flensburg e.V.", "Deutsches Rotes Kreuz"):
        assert organisation in html, "names the recipients"
