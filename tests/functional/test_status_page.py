"""The resident's status page through app.py, against moto: GET /{lang}/status/{reference}?t=…

An inquiry is sent through POST /inquiries and delivered by the SQS handler; the
resident's confirmation carries the status link, which the tests open as HTML and as
JSON, before and after the contact claims the inquiry through the staff email's link.
With the shipped routing, education goes to Anna Meier of Integration in Flensburg e.V.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

from devstack.outbox import SentEmail
from tests.support.emulator import Emulator

RESIDENT = "resident@example.org"
RESIDENT_NAME = "Amal Haddad"
MESSAGE = "Gibt es einen Kita-Platz für meine Tochter?"
ANNA = "info@integration-flensburg.de"
PUBLIC_URL = "http://127.0.0.1:8000"  # the dev stage's PUBLIC_URL, without its "/"
TUESDAY_9_AM = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 09:00 in Flensburg
JSON_ACCEPT = {"Accept": "application/json"}
BROWSER_ACCEPT = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def sent_to(aws: Emulator, address: str) -> list[SentEmail]:
    return [email for email in aws.sent() if address in email.recipients]


def link_in(email: SentEmail, path: str) -> str:
    """The one link to `path` in an email (the same in both parts), as a path for the client."""
    [in_text] = {str(link) for link in re.findall(rf"{PUBLIC_URL}(/{path}\S+)", email.text)}
    assert f'href="{PUBLIC_URL}{in_text}"' in email.html
    return in_text


def get(client: Client, path: str, headers: dict[str, str] | None = None) -> Any:
    return client.http.get(path, headers=headers or BROWSER_ACCEPT)


def as_json(client: Client, path: str) -> tuple[int, dict[str, Any]]:
    response = get(client, path, JSON_ACCEPT)
    assert response.headers["Content-Type"].startswith("application/json")
    return response.status_code, json.loads(response.body)


def claim_through_the_staff_email(client: Client, aws: Emulator) -> None:
    [staff_email] = sent_to(aws, ANNA)
    reference_path, token = link_in(staff_email, "claim/").split("?t=", 1)
    response = client.http.post(reference_path, headers={
        "Content-Type": "application/x-www-form-urlencoded"}, body=f"t={token}")
    assert response.status_code == 200


def with_reference(path: str, reference: str) -> str:
    return re.sub(r"/status/[^?]+", f"/status/{reference}", path)


def with_token(path: str, token: str) -> str:
    return f"{path.split('?t=')[0]}?t={token}"


# The link and the page


def test_the_confirmation_carries_the_status_link_and_it_opens(
    client: Client, inquiry: Callable[..., str],
) -> None:
    path = inquiry()

    response = get(client, path)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    body = response.body.decode()
    assert "The state of your inquiry" in body
    assert re.search(r"/en/status/[A-Z0-9]{4}-[A-Z0-9]{4}\?t=", path)


def test_a_received_inquiry_shows_the_date_the_organisation_and_how_long_it_usually_takes(
    client: Client, inquiry: Callable[..., str],
) -> None:
    body = get(client, inquiry()).body.decode()

    assert "01.12.2026" in body
    assert "Integration in Flensburg e.V." in body
    assert "Not yet. This usually happens within 5 working days." in body


def test_a_received_inquiry_as_json_is_the_interface_s_answer(
    client: Client, inquiry: Callable[..., str],
) -> None:
    path = inquiry()

    status, answer = as_json(client, path)

    assert status == 200
    reference = path.split("/status/")[1].split("?")[0]
    assert answer == {"reference": reference, "state": "received",
                      "organisation": "Integration in Flensburg e.V.",
                      "received": answer["received"], "claimed": None, "answered": None}
    received = datetime.fromisoformat(answer["received"])
    assert received.utcoffset() == timedelta(hours=1), "Flensburg's time, with its offset"
    assert abs(received - TUESDAY_9_AM) < timedelta(minutes=1)


def test_a_claimed_inquiry_shows_when_it_was_taken_on_in_html_and_json(
    client: Client, aws: Emulator, inquiry: Callable[..., str],
) -> None:
    path = inquiry()
    aws.clock.advance(seconds=26 * 3600)  # Wednesday, 11:00 in Flensburg

    claim_through_the_staff_email(client, aws)

    status, answer = as_json(client, path)
    assert status == 200
    assert answer["state"] == "claimed"
    claimed = datetime.fromisoformat(answer["claimed"])
    assert claimed.utcoffset() == timedelta(hours=1)
    assert abs(claimed - (TUESDAY_9_AM + timedelta(hours=26))) < timedelta(minutes=1)
    body = get(client, path).body.decode()
    assert "02.12.2026" in body
    assert "Not yet" not in body


def test_the_page_names_no_resident_no_message_and_no_staff_address(
    client: Client, inquiry: Callable[..., str],
) -> None:
    path = inquiry()

    shown = get(client, path).body.decode() + get(client, path, JSON_ACCEPT).body.decode()

    for private in (RESIDENT_NAME, RESIDENT, MESSAGE, "Kita-Platz", ANNA, "Anna Meier"):
        assert private not in shown


def test_neither_a_cache_nor_a_search_engine_keeps_the_page_or_its_json(
    client: Client, inquiry: Callable[..., str],
) -> None:
    path = inquiry()

    for headers in (BROWSER_ACCEPT, JSON_ACCEPT):
        response = get(client, path, headers)
        assert response.headers["Cache-Control"] == "no-store"
        assert "noindex" in response.headers["X-Robots-Tag"]


def test_a_browser_gets_the_page_and_only_a_client_asking_for_json_gets_json(
    client: Client, inquiry: Callable[..., str],
) -> None:
    path = inquiry()

    assert get(client, path).body.decode().startswith("<!doctype html>")
    assert get(client, path, {"Accept": "application/json, text/html;q=0.5"}).body.startswith(
        b"{")


@pytest.mark.parametrize("language", ["ar", "fa"])
def test_the_page_is_right_to_left_in_arabic_and_persian(
    client: Client, inquiry: Callable[..., str], language: str,
) -> None:
    path = inquiry(language)

    body = get(client, path).body.decode()

    assert f'<html lang="{language}" dir="rtl">' in body
    assert "The state of your inquiry" not in body, "translated"


def test_the_page_is_in_the_language_of_its_path(
    client: Client, inquiry: Callable[..., str],
) -> None:
    path = inquiry("en").replace("/en/status/", "/de/status/")

    body = get(client, path).body.decode()

    assert '<html lang="de" dir="ltr">' in body
    assert "Der Stand Ihrer Anfrage" in body
    assert "Noch nicht. Das geschieht meist innerhalb von 5 Arbeitstagen." in body


# No oracle


def test_an_unknown_reference_a_wrong_token_and_an_expired_inquiry_give_the_same_404(
    client: Client, aws: Emulator, inquiry: Callable[..., str],
) -> None:
    path = inquiry()
    unknown = "ZZZZ-ZZZZ"
    signed_for_unknown = aws.services.status_tokens.issue(
        unknown, TUESDAY_9_AM + timedelta(days=180))
    asked = {
        "unknown reference": with_token(with_reference(path, unknown), signed_for_unknown),
        "wrong token": with_token(path, "1.AAAAAAAAAAAAAAAAAAAAAA"),
        "no token": path.split("?")[0],
        "not a reference": with_reference(path, "nonsense"),
    }

    html = {name: get(client, wanted) for name, wanted in asked.items()}
    json_answers = {name: get(client, wanted, JSON_ACCEPT) for name, wanted in asked.items()}
    aws.clock.advance(seconds=181 * 86400)  # past every topic's retention
    html["expired"] = get(client, path)
    json_answers["expired"] = get(client, path, JSON_ACCEPT)

    assert {name: answer.status_code for name, answer in html.items()} == dict.fromkeys(
        html, 404)
    assert len({answer.body for answer in html.values()}) == 1, "the same page for all"
    assert {answer.status_code for answer in json_answers.values()} == {404}
    assert {answer.body for answer in json_answers.values()} == {b'{"error": "not_found"}'}
    assert "Page not found" in html["expired"].body.decode()


def test_an_unknown_language_is_the_unknown_language_page(
    client: Client, inquiry: Callable[..., str],
) -> None:
    path = inquiry().replace("/en/status/", "/xx/status/")

    response = get(client, path, {**BROWSER_ACCEPT, "Accept-Language": "en"})

    assert response.status_code == 404
    assert "Page not found" in response.body.decode()
    assert "noindex" in response.headers["X-Robots-Tag"]


@pytest.mark.parametrize("language", ["de", "ar", "uk"])
def test_the_thank_you_page_and_the_confirmation_say_what_the_status_link_is_for(
    client: Client, aws: Emulator, deliver_queued: Callable[[], int], language: str,
) -> None:
    from urllib.parse import urlencode

    from chalicelib.core.templating import translate

    body = urlencode({"email": RESIDENT, "topic": "education", "message": MESSAGE,
                      "language": language, "form_token": aws.form_token()})
    sent = client.http.post("/inquiries", body=body,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    thanks = client.http.get("/" + sent.headers["Location"])
    deliver_queued()

    page_says = translate(language, "The confirmation has a link to a page where you can see "
                          "whether someone has taken on your inquiry, and where you can "
                          "withdraw it.")
    assert page_says in thanks.body.decode()
    [confirmation] = sent_to(aws, RESIDENT)
    email_says = translate(language, "You can see here whether someone has taken on your "
                           "inquiry:")
    assert email_says in confirmation.text
    assert f"/{language}/status/" in confirmation.text.split(email_says, 1)[1].split("\n\n")[0]
