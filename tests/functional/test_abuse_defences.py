"""A public form for refugees will be found by bots: the defences that need no third party."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlencode

from chalice.test import Client

from tests.support.emulator import Emulator, Submit, settings_for_tests

INQUIRY = {"email": "resident@example.org", "topic": "work", "message": "Ich suche Arbeit."}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_a_filled_honeypot_looks_like_success_but_nothing_is_stored_or_sent(
    client: Client, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    body = urlencode({**INQUIRY, "website": "http://spam.example", "language": "de",
                      "form_token": aws.form_token()})

    response = client.http.post("/inquiries", headers=FORM, body=body)

    assert response.status_code == 303
    thanks = client.http.get("/" + response.headers["Location"])
    assert thanks.status_code == 200, "the decoy thank-you page looks like the real one"
    assert aws.stored_inquiries() == []
    assert deliver_queued() == 0
    assert aws.sent() == []


def test_the_honeypot_is_hidden_from_people_and_screen_readers(client: Client) -> None:
    html = client.http.get("/de").body.decode()
    css = client.http.get("/assets/wegweiser.css").body.decode()

    assert '<div class="extra-field">' in html
    assert 'name="website" type="text" tabindex="-1"' in html
    assert ".extra-field { display: none; }" in css


def test_a_form_token_that_was_forged_is_refused(submit_json: Submit, aws: Emulator) -> None:
    status, answer = submit_json({**INQUIRY, "form_token": "1700000000000.abc.forged"},
                                 token=False)

    assert status == 422
    assert list(answer["errors"]) == ["form_token"]
    assert aws.stored_inquiries() == []


def test_a_form_sent_faster_than_a_person_can_write_is_refused(
    submit_json: Submit, aws: Emulator
) -> None:
    aws.serve(settings_for_tests(MIN_FILL_SECONDS="3"))

    status, answer = submit_json(INQUIRY, language="en")

    assert status == 422
    assert answer["errors"] == {"form_token": "The form was sent too quickly. Please check "
                                              "your entries and press “Send” again."}
    assert aws.stored_inquiries() == []


def test_a_client_over_its_hourly_limit_gets_429_with_retry_after_in_its_language(
    submit_json: Submit, aws: Emulator
) -> None:
    aws.serve(settings_for_tests(RATE_LIMIT_PER_HOUR="3"))
    for _ in range(3):
        assert submit_json(INQUIRY)[0] == 201

    response_status, answer = submit_json(INQUIRY, language="de")

    assert response_status == 429
    assert answer["error"].startswith("Sie haben in kurzer Zeit viele Anfragen gesendet.")
    assert len(aws.stored_inquiries()) == 3


def test_the_rate_limit_keeps_a_salted_hash_of_the_address_and_forgets_it_after_the_hour(
    submit_json: Submit, aws: Emulator
) -> None:
    submit_json(INQUIRY)

    from chalicelib.aws import clients as aws_clients

    items = aws_clients.dynamodb().scan(TableName=aws.settings.table_name)["Items"]
    counters = [item for item in items if item["pk"]["S"].startswith("rate#")]
    assert len(counters) == 1
    assert "127.0.0.1" not in json.dumps(items), "never the address itself"
    assert "expires_at" in counters[0]


def test_a_form_over_the_rate_limit_comes_back_with_the_residents_text(
    client: Client, aws: Emulator
) -> None:
    aws.serve(settings_for_tests(RATE_LIMIT_PER_HOUR="1"))
    client.http.post("/inquiries", headers=FORM, body=urlencode(
        {**INQUIRY, "language": "en", "form_token": aws.form_token()}))

    response = client.http.post("/inquiries", headers=FORM, body=urlencode(
        {**INQUIRY, "language": "en", "form_token": aws.form_token()}))

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Ich suche Arbeit.</textarea>" in response.body.decode()


def test_a_body_larger_than_any_inquiry_is_refused_with_413(
    client: Client, aws: Emulator
) -> None:
    body = json.dumps({**INQUIRY, "message": "x" * 200_000, "form_token": aws.form_token()})

    response = client.http.post(
        "/inquiries", headers={"Content-Type": "application/json"}, body=body)

    assert response.status_code == 413
    assert aws.stored_inquiries() == []


def test_the_longest_valid_arabic_message_is_not_too_large_for_the_form(
    client: Client, aws: Emulator
) -> None:
    body = urlencode({**INQUIRY, "message": "ش" * 5000, "language": "de",
                      "form_token": aws.form_token()})

    response = client.http.post("/inquiries", headers=FORM, body=body)

    assert response.status_code == 303


def test_an_unsupported_content_type_is_refused_with_415(client: Client, aws: Emulator) -> None:
    response = client.http.post("/inquiries", headers={"Content-Type": "text/plain"},
                                body="email=resident@example.org")

    assert response.status_code == 415
    assert aws.stored_inquiries() == []
