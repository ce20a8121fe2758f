"""Erasure through app.py, against moto: GET and POST /{lang}/status/{reference}/erase.

An inquiry is sent through POST /inquiries and delivered by the SQS handler; the
resident's confirmation carries the status link, whose page links to the erasure's
confirmation page. With the shipped routing, education goes to Anna Meier of
Integration in Flensburg e.V. (staff language German).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from chalice.test import Client

from tests.functional.test_status_page import (
    ANNA,
    BROWSER_ACCEPT,
    JSON_ACCEPT,
    MESSAGE,
    RESIDENT,
    RESIDENT_NAME,
    as_json,
    get,
    sent_to,
)
from tests.support.emulator import Emulator

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def erase_path(status_path: str) -> str:
    """The confirmation page's path, as the status page links to it."""
    path, _, token = status_path.partition("?t=")
    return f"{path}/erase?t={token}"


def post_erase(client: Client, status_path: str, accept: dict[str, str] | None = None,
               token: str | None = None) -> Any:
    path, _, link_token = status_path.partition("?t=")
    return client.http.post(f"{path}/erase", headers={**FORM, **(accept or BROWSER_ACCEPT)},
                            body=f"t={link_token if token is None else token}")


def the_item(aws: Emulator) -> dict[str, Any]:
    [item] = aws.stored_inquiries()
    return item


def test_the_status_page_links_to_the_erasure_s_confirmation_page(
    client: Client, inquiry: Callable[..., str],
) -> None:
    path = inquiry()
    body = get(client, path).body.decode()

    reference, token = path.split("/status/")[1].split("?t=")
    assert f'href="{reference}/erase?t={token}"' in body


def test_the_confirmation_page_says_what_erasure_does_and_changes_nothing(
    client: Client, aws: Emulator, inquiry: Callable[..., str],
    deliver_queued: Callable[[], int],
) -> None:
    path = inquiry()
    before = the_item(aws)
    mails = len(aws.sent())

    response = get(client, erase_path(path))
    deliver_queued()

    assert response.status_code == 200
    body = response.body.decode()
    assert "Your name, your email address and your message are deleted at once." in body
    assert "It cannot call back an email" in body
    assert '<form method="post" action="erase">' in body
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert the_item(aws) == before
    assert len(aws.sent()) == mails


def test_posting_erases_name_address_and_message_from_the_stored_item(
    client: Client, aws: Emulator, inquiry: Callable[..., str],
) -> None:
    path = inquiry()

    response = post_erase(client, path)

    assert response.status_code == 200
    assert "Your data is erased" in response.body.decode()
    item = the_item(aws)
    for attribute in ("name", "email", "message", "due", "due_at", "step"):
        assert attribute not in item
    assert {"erased_at", "forgotten_at", "reference", "topic", "received_at"} <= set(item)
    raw = json.dumps(item, ensure_ascii=False)
    for private in (RESIDENT, RESIDENT_NAME, MESSAGE):
        assert private not in raw


def test_after_erasure_the_status_link_answers_410_in_html_and_json(
    client: Client, inquiry: Callable[..., str],
) -> None:
    path = inquiry()
    post_erase(client, path)

    page = get(client, path)
    status, answer = as_json(client, path)

    assert page.status_code == 410
    assert "Your data is erased" in page.body.decode()
    assert (status, answer) == (410, {"state": "erased"})
    assert get(client, erase_path(path)).status_code == 410, "the confirmation page too"


def test_the_contact_who_received_the_inquiry_gets_a_note_to_delete_their_copy(
    client: Client, aws: Emulator, inquiry: Callable[..., str],
    deliver_queued: Callable[[], int],
) -> None:
    path = inquiry()
    reference = path.split("/status/")[1].split("?")[0]

    post_erase(client, path)
    deliver_queued()

    [_staff_email, note] = sent_to(aws, ANNA)
    assert note.subject == f"Anfrage {reference}: zurückgezogen, bitte löschen"
    assert "Art. 17 und 19 DSGVO" in note.text
    assert "claim/" not in note.text + note.html
    for private in (RESIDENT, RESIDENT_NAME, MESSAGE):
        assert private not in note.text + note.html
    assert len(sent_to(aws, RESIDENT)) == 1, "only the confirmation, before"


def test_the_json_answer_is_state_erased_and_erasing_twice_is_harmless(
    client: Client, aws: Emulator, inquiry: Callable[..., str],
    deliver_queued: Callable[[], int],
) -> None:
    path = inquiry()

    first = post_erase(client, path, JSON_ACCEPT)
    deliver_queued()
    second = post_erase(client, path, JSON_ACCEPT)
    deliver_queued()

    assert (first.status_code, json.loads(first.body)) == (200, {"state": "erased"})
    assert (second.status_code, json.loads(second.body)) == (200, {"state": "erased"})
    assert len(sent_to(aws, ANNA)) == 2, "the staff email and one note"


@pytest.mark.parametrize("token", ["", "1.AAAAAAAAAAAAAAAAAAAAAA"])
def test_a_wrong_token_erases_nothing_and_answers_the_status_page_s_404(
    client: Client, aws: Emulator, inquiry: Callable[..., str], token: str,
) -> None:
    path = inquiry()
    before = the_item(aws)

    response = post_erase(client, path, token=token)
    wrong_link = get(client, re.sub(r"\?t=.*", f"?t={token}", erase_path(path)))

    assert response.status_code == wrong_link.status_code == 404
    for answer in (response, wrong_link):
        assert "Page not found" in answer.body.decode()
        assert "noindex" in answer.headers["X-Robots-Tag"]
    json_answer = post_erase(client, path, JSON_ACCEPT, token=token)
    assert (json_answer.status_code, json.loads(json_answer.body)) == (
        404, {"error": "not_found"})
    assert the_item(aws) == before
