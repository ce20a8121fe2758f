"""A resident's inquiry through app.py's routes and SQS handler, against moto.

Each test checks what a person would: who got which email, what the resident saw,
and that a refused inquiry left nothing behind.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

import pytest
from chalice.test import Client

from chalicelib.core.routing_file import BUNDLED_ROUTING_FILE
from tests.support.emulator import Emulator, Submit

RESIDENT = "resident@example.org"
MESSAGE = "Guten Tag,\nich suche einen Deutschkurs für meine Tochter."

ROUTING = tomllib.loads(BUNDLED_ROUTING_FILE.read_text())
CONTACT_OF_TOPIC = {
    topic: ROUTING["contacts"][table["contacts"][0]] for topic, table in ROUTING["topics"].items()
}


@pytest.mark.parametrize("topic", list(CONTACT_OF_TOPIC))
def test_each_default_topic_reaches_its_contact_person_and_the_resident_once(
    topic: str, submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    status, answer = submit_json(
        {"email": RESIDENT, "topic": topic, "message": MESSAGE, "name": "Amal", "consent": True},
        language="de",
    )

    assert status == 201
    reference = answer["reference"]
    contact = CONTACT_OF_TOPIC[topic]
    assert answer["organisation"] == ROUTING["organisations"][contact["organisation"]]["name"]

    deliver_queued()
    emails = aws.sent()
    assert len(emails) == 2
    (to_staff,) = [e for e in emails if e.recipients == (contact["email"],)]
    (to_resident,) = [e for e in emails if e.recipients == (RESIDENT,)]

    assert to_staff.header("Reply-To") == RESIDENT
    assert reference in to_staff.subject
    assert ROUTING["topics"][topic]["labels"]["de"] in to_staff.subject
    assert "Deutschkurs" in to_staff.text

    assert to_resident.header("Auto-Submitted") == "auto-replied"
    assert reference in to_resident.subject
    assert "Deutschkurs" not in to_resident.text
    assert "Deutschkurs" not in to_resident.html


def test_a_form_submission_is_redirected_to_a_thank_you_page_with_the_reference(
    client: Client, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    body = urlencode({
        "email": RESIDENT, "topic": "education", "message": MESSAGE, "name": "",
        "language": "en", "form_token": aws.form_token(),
    })
    response = client.http.post(
        "/inquiries",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=body,
    )

    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("en/thanks/"), "relative, so it works behind a stage prefix"
    reference = urlsplit(location).path.rsplit("/", 1)[1]

    page = client.http.get(f"/{location}")
    assert page.status_code == 200
    html = page.body.decode()
    assert reference in html
    assert "Integration in Flensburg e.V." in html
    assert "Anna Meier" in html
    assert 'lang="en"' in html

    deliver_queued()
    (to_resident,) = [e for e in aws.sent() if e.recipients == (RESIDENT,)]
    assert to_resident.header("Content-Language") == "en"


def test_an_invalid_form_submission_shows_the_errors_and_keeps_what_was_typed(
    client: Client, aws: Emulator
) -> None:
    body = urlencode({
        "email": "Eve <eve@example.org>", "topic": "work", "name": "Eve Müller",
        "message": "Mein Text <bleibt> erhalten", "language": "de", "form_token": aws.form_token(),
    })
    response = client.http.post(
        "/inquiries",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=body,
    )

    assert response.status_code == 422
    html = response.body.decode()
    assert "Bitte geben Sie nur die E-Mail-Adresse ein" in html
    assert 'value="Eve &lt;eve@example.org&gt;"' in html
    assert 'value="Eve Müller"' in html
    assert "Mein Text &lt;bleibt&gt; erhalten</textarea>" in html
    assert 'value="work" checked' in html
    assert 'aria-invalid="true"' in html
    assert aws.stored_inquiries() == []
    assert aws.queued_messages() == 0


@pytest.mark.parametrize(
    ("field", "value", "error_in_german"),
    [
        ("email", "not-an-address", "Diese E-Mail-Adresse ist nicht richtig"),
        ("email", "Eve <eve@example.org>", "Bitte geben Sie nur die E-Mail-Adresse ein"),
        ("email", "jürgen@example.org", "vor dem @ nur a–z, Ziffern und die Zeichen . - _"),
        ("topic", "astrology", "Bitte wählen Sie ein Thema aus der Liste"),
        ("message", "", "Bitte schreiben Sie Ihre Nachricht"),
        ("message", "x" * 5001, "Ihre Nachricht ist zu lang"),
    ],
    ids=["invalid email", "display name", "international local part", "unknown topic",
         "empty message", "over-long message"],
)
def test_an_invalid_inquiry_is_refused_naming_the_field_and_leaves_nothing_behind(
    field: str, value: str, error_in_german: str,
    submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int],
) -> None:
    fields = {"email": RESIDENT, "topic": "health", "consent": True, "message": MESSAGE,
              field: value}

    status, answer = submit_json(fields, language="de")

    assert status == 422
    assert list(answer["errors"]) == [field]
    assert error_in_german in answer["errors"][field]
    assert aws.stored_inquiries() == []
    assert deliver_queued() == 0
    assert aws.sent() == []


def test_json_errors_are_in_the_language_the_request_asks_for(submit_json: Submit) -> None:
    status, answer = submit_json({"email": RESIDENT, "topic": "work", "message": ""},
                                 language="en-GB,en;q=0.9")

    assert status == 422
    assert answer["errors"] == {"message": "Please write your message."}


def test_an_idn_domain_is_accepted_and_mailed_as_punycode(
    submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    status, _ = submit_json({"email": "amal@bücher.example", "topic": "culture",
                             "message": MESSAGE})

    assert status == 201
    deliver_queued()
    assert any(e.recipients == ("amal@xn--bcher-kva.example",) for e in aws.sent())
