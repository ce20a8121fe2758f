"""Explicit consent (Art. 9(2)(a) GDPR) for the topics whose inquiries usually hold health data
(`special_category = true` in routing.toml; health is one): the form asks for it with a
checkbox, the API with the field `consent`; without it nothing is stored, with it the
consent and its time are stored with the inquiry."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from chalicelib.aws import clients as aws_clients
from chalicelib.aws.dynamodb_store import DynamoDBInquiryStore
from chalicelib.core.inquiry import FieldError, Inquiry
from chalicelib.core.languages import LANGUAGES
from chalicelib.core.messages import field_error
from chalicelib.core.ports import InquiryStore
from chalicelib.core.records import InquiryRecord, Recipient
from chalicelib.core.routing_file import bundled_routing
from tests.support.emulator import Emulator, Submit
from tests.support.fakes import InMemoryInquiryStore

RESIDENT = "resident@example.org"
MESSAGE = "Mein Sohn hat Asthma. Wo finde ich einen Kinderarzt?"
HEALTH = {"email": RESIDENT, "topic": "health", "message": MESSAGE, "name": "Amal"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_health_is_the_topic_of_the_bundled_file_that_asks_for_consent() -> None:
    asking = [key for key, topic in bundled_routing().topics.items() if topic.special_category]

    assert asking == ["health"]


# ------------------------------------------------------------------------ JSON


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_a_health_inquiry_without_consent_is_422_in_the_residents_language_and_stores_nothing(
    language: str, submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    status, answer = submit_json({**HEALTH, "language": language})

    assert status == 422
    assert answer["errors"] == {"consent": field_error(FieldError.CONSENT_REQUIRED, language)}
    assert aws.stored_inquiries() == []
    assert deliver_queued() == 0
    assert aws.sent() == []


def test_the_consent_error_is_translated_and_says_to_tick_the_box() -> None:
    assert field_error(FieldError.CONSENT_REQUIRED, "en") == (
        "Please tick the box. For questions about health, we need your consent.")
    assert field_error(FieldError.CONSENT_REQUIRED, "de") == (
        "Bitte kreuzen Sie das Kästchen an. Bei Fragen zur Gesundheit brauchen wir Ihre "
        "Einwilligung.")
    translations = {field_error(FieldError.CONSENT_REQUIRED, code) for code in LANGUAGES}
    assert len(translations) == len(LANGUAGES), "a text of its own in every language"


@pytest.mark.parametrize("refusal", [False, "no", "", 1, "true", "on", None],
                         ids=["false", "no", "empty", "one", "the-word-true", "on", "null"])
def test_only_json_true_or_yes_counts_as_consent(
    refusal: object, submit_json: Submit, aws: Emulator
) -> None:
    status, answer = submit_json({**HEALTH, "consent": refusal})

    assert status == 422
    assert list(answer["errors"]) == ["consent"]
    assert aws.stored_inquiries() == []


def test_with_consent_the_inquiry_is_stored_with_the_consent_and_its_time(
    submit_json: Submit, aws: Emulator
) -> None:
    before = datetime.now(UTC).replace(microsecond=0)

    status, answer = submit_json({**HEALTH, "consent": True})

    assert status == 201
    (item,) = aws.stored_inquiries()
    assert item["reference"]["S"] == answer["reference"]
    given_at = datetime.fromisoformat(item["consent_at"]["S"])
    assert before <= given_at <= datetime.now(UTC) + timedelta(seconds=1)
    assert given_at == datetime.fromisoformat(item["received_at"]["S"])
    record = aws.services.store.get(answer["reference"], aws.clock())
    assert record is not None
    assert record.consent_at == given_at
    assert record.inquiry.consent is True


def test_another_topic_needs_no_consent_and_stores_none_even_when_one_is_sent(
    submit_json: Submit, aws: Emulator
) -> None:
    status_without, _ = submit_json({**HEALTH, "topic": "education"})
    status_with, _ = submit_json({**HEALTH, "topic": "work", "consent": True})

    assert (status_without, status_with) == (201, 201)
    assert [("consent_at" in item) for item in aws.stored_inquiries()] == [False, False]


def test_consent_comes_with_the_other_errors_of_the_inquiry_in_form_order(
    submit_json: Submit,
) -> None:
    status, answer = submit_json({**HEALTH, "email": "not an address", "message": ""},
                                 language="ar")

    assert status == 422
    assert list(answer["errors"]) == ["email", "consent", "message"]
    assert answer["errors"]["consent"] == field_error(FieldError.CONSENT_REQUIRED, "ar")


def test_the_openapi_description_requires_consent_for_health_and_names_its_values(
    client: Client,
) -> None:
    description = json.loads(client.http.get("/openapi.json").body)
    inquiry = description["components"]["schemas"]["Inquiry"]

    assert inquiry["properties"]["consent"]["enum"] == [True, "yes"]
    assert "`health`" in inquiry["properties"]["consent"]["description"]
    assert {
        "if": {"properties": {"topic": {"enum": ["health"]}}, "required": ["topic"]},
        "then": {"required": ["consent"]},
    } in inquiry["allOf"]
    assert "consent" in (description["components"]["schemas"]["ValidationErrors"]["properties"]
                         ["errors"]["propertyNames"]["enum"])


# ------------------------------------------------------------------------ form


def post_form(client: Client, aws: Emulator, **fields: str) -> tuple[int, str, str]:
    body = urlencode({**HEALTH, "language": "de", "form_token": aws.form_token(), **fields})
    response = client.http.post("/inquiries", headers=FORM, body=body)
    return response.status_code, response.headers.get("Location", ""), response.body.decode()


def test_the_form_asks_for_consent_with_a_checkbox_named_for_the_health_topic(
    client: Client,
) -> None:
    html = client.http.get("/de").body.decode()

    assert '<input type="checkbox" id="consent" name="consent" value="yes"' in html
    assert ('<label for="consent">Ich bin einverstanden, dass die Angaben zu meiner Gesundheit '
            "in meiner Anfrage genutzt werden, um mir zu antworten.</label>") in html
    assert "Nur nötig bei Fragen zum Thema <q>Gesundheitsversorgung</q>." in html
    assert 'href="de/privacy#consent"' in html, "how to withdraw it"
    assert 'id="topic-health" value="health" required data-consent' in html


def test_a_form_without_consent_is_shown_again_with_the_error_and_every_word_kept(
    client: Client, aws: Emulator
) -> None:
    status, _, html = post_form(client, aws)

    assert status == 422
    assert 'href="#consent-group">Bitte kreuzen Sie das Kästchen an.' in html
    assert 'id="consent-error"' in html
    assert 'aria-describedby="consent-hint consent-error" aria-invalid="true"' in html
    assert f"{MESSAGE}</textarea>" in html
    assert 'value="health" checked' in html
    assert 'value="Amal"' in html
    assert aws.stored_inquiries() == []


def test_a_form_with_the_box_ticked_is_accepted_and_stores_the_consent(
    client: Client, aws: Emulator
) -> None:
    status, location, _ = post_form(client, aws, consent="yes")

    assert status == 303
    assert location.startswith("de/thanks/")
    (item,) = aws.stored_inquiries()
    assert "consent_at" in item


def test_a_ticked_box_stays_ticked_when_another_field_is_wrong(
    client: Client, aws: Emulator
) -> None:
    status, _, html = post_form(client, aws, consent="yes", email="")

    assert status == 422
    assert 'name="consent" value="yes" checked' in html
    assert 'id="consent-error"' not in html


# --------------------------------------------------------------- both stores


@pytest.fixture(params=["in-memory", "dynamodb"], ids=["fake", "dynamodb"])
def store(request: pytest.FixtureRequest) -> InquiryStore:
    if request.param == "in-memory":
        return InMemoryInquiryStore()
    aws: Emulator = request.getfixturevalue("aws")
    return DynamoDBInquiryStore(aws_clients.dynamodb(), aws.settings.table_name)


def test_each_store_gives_back_the_consent_and_its_time(store: InquiryStore) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    record = InquiryRecord(
        reference="K7QM-X3PA", received_at=now,
        inquiry=Inquiry(email=RESIDENT, topic="health", message=MESSAGE, name="", language="ar",
                        consent=True),
        recipient=Recipient(contact_key="andrea-becker", name="Andrea Becker",
                            email="presse@drk.de", organisation="Deutsches Rotes Kreuz",
                            staff_language="de"),
        topic_labels={"de": "Gesundheitsversorgung", "ar": "الرعاية الصحية"},
        retention_days=90, response_days=3, next_steps="", consent_at=now,
    )

    store.add(record)

    stored = store.get(record.reference, now)
    assert stored is not None
    assert stored.consent_at == now
    assert stored.inquiry.consent is True
    assert stored.inquiry == record.inquiry, "the same form sent twice is recognised"
