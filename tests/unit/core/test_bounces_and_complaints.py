"""Bounces and complaints that SES reports (ses_feedback.py): read, counted, alarmed.

A contact person's bounced address is an alarm (their topic's inquiries reach nobody);
a resident's is only counted, under a keyed digest, and never logged.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core.routing_file import bundled_routing
from chalicelib.core.ses_feedback import (
    FeedbackKind,
    FeedbackRecorder,
    SesFeedback,
    parse_feedback,
    record_all,
)
from tests.support.fakes import (
    InMemoryCounter,
    InMemoryInquiryStore,
    InMemoryUnreachableContacts,
    RecordingQueue,
)

SECRET = b"stage-secret"
NOW = datetime(2025, 3, 3, 8, 15, tzinfo=UTC)
CONTACT_ADDRESS = "presse@drk.de"  # andrea-becker in the bundled routing.toml


def bounce(*addresses: str, kind: str = "Permanent", key: str = "eventType") -> str:
    return json.dumps({key: "Bounce", "bounce": {
        "bounceType": kind, "bouncedRecipients": [{"emailAddress": a} for a in addresses]}})


def complaint(*addresses: str) -> str:
    return json.dumps({"eventType": "Complaint", "complaint": {
        "complainedRecipients": [{"emailAddress": a} for a in addresses]}})


def record(counter: InMemoryCounter, *messages: str) -> int:
    recorder = FeedbackRecorder(counter, SECRET, store=InMemoryInquiryStore(),
                                queue=RecordingQueue(), unreachable=InMemoryUnreachableContacts(),
                                fail_over=lambda *bounced: False)
    return record_all(messages, recorder, bundled_routing(), NOW)


def messages(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "wegweiser"]


# ------------------------------------------------------------------ reading


@pytest.mark.parametrize("key", ["eventType", "notificationType"])
def test_a_permanent_bounce_names_its_addresses_in_small_letters(key: str) -> None:
    assert parse_feedback(bounce("Amal@Example.org", "b@example.org", key=key)) == SesFeedback(
        FeedbackKind.BOUNCE, True, ("amal@example.org", "b@example.org"))


def test_a_transient_bounce_is_not_permanent() -> None:
    assert parse_feedback(bounce("amal@example.org", kind="Transient")) == SesFeedback(
        FeedbackKind.BOUNCE, False, ("amal@example.org",))


def test_a_complaint_is_always_permanent() -> None:
    assert parse_feedback(complaint("amal@example.org")) == SesFeedback(
        FeedbackKind.COMPLAINT, True, ("amal@example.org",))


def test_a_bounce_or_complaint_without_its_details_is_no_feedback() -> None:
    assert parse_feedback('{"eventType": "Bounce"}') is None
    assert parse_feedback('{"eventType": "Complaint"}') is None


def test_a_recipient_that_is_not_an_object_is_skipped() -> None:
    message = json.dumps({"eventType": "Bounce", "bounce": {
        "bounceType": "Permanent", "bouncedRecipients": ["x", {"emailAddress": "a@b.org"}, {}]}})

    assert parse_feedback(message) == SesFeedback(FeedbackKind.BOUNCE, True, ("a@b.org",))


@pytest.mark.parametrize("message", [
    pytest.param('{"eventType": "Delivery"}', id="a-delivery"),
    pytest.param('{"eventType": "Send"}', id="a-send"),
    pytest.param("[]", id="a-list"),
    pytest.param('"Bounce"', id="a-string"),
    pytest.param("not json", id="not-json"),
    pytest.param("{}", id="nothing"),
])
def test_anything_else_sns_brings_is_no_feedback(message: str) -> None:
    assert parse_feedback(message) is None


# ---------------------------------------------------------------- recording


def test_a_residents_bounce_is_counted_under_a_digest_for_thirty_days(
    counter: InMemoryCounter,
) -> None:
    record(counter, bounce("amal@example.org"), bounce("Amal@example.org"))

    [(key, field)] = counter.counts
    assert key.startswith("feedback#")
    assert "amal" not in key
    assert field == "bounce"
    assert counter.counts[key, field] == 2, "the same address, whatever its capitals"
    assert counter.expires_at[key] == int((NOW + timedelta(days=30)).timestamp())


def test_a_complaint_is_counted_as_a_complaint(counter: InMemoryCounter) -> None:
    record(counter, complaint("amal@example.org"))

    assert [field for _, field in counter.counts] == ["complaint"]


def test_two_addresses_are_counted_apart(counter: InMemoryCounter) -> None:
    record(counter, bounce("amal@example.org", "bo@example.org"))

    assert sorted(counter.counts.values()) == [1, 1]


def test_a_residents_bounce_is_logged_without_the_address(
    counter: InMemoryCounter, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="wegweiser"):
        record(counter, bounce("amal@example.org"))

    assert messages(caplog) == [
        (logging.WARNING, "Bounce for a resident's address (recorded as a hash)")]


def test_a_contacts_bounce_raises_an_alarm_naming_the_contact_not_the_address(
    counter: InMemoryCounter, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="wegweiser"):
        record(counter, bounce(CONTACT_ADDRESS.upper()), complaint(CONTACT_ADDRESS))

    assert messages(caplog) == [
        (logging.ERROR, "ALARM Bounce for contact andrea-becker: the address does not accept "
                        "mail; counted as absent for new inquiries until 2025-03-10; check the "
                        "address in routing.toml"),
        (logging.ERROR, "ALARM Complaint for contact andrea-becker: their inquiries may reach "
                        "nobody; check the address in routing.toml"),
    ]
    assert len(counter.counts) == 2, "counted too"


def test_when_the_counter_is_down_each_address_is_still_looked_at(
    counter: InMemoryCounter, caplog: pytest.LogCaptureFixture
) -> None:
    counter.unavailable = True

    with caplog.at_level(logging.WARNING, logger="wegweiser"):
        recorded = record(counter, bounce("amal@example.org", CONTACT_ADDRESS))

    assert recorded == 1
    assert messages(caplog) == [
        (logging.WARNING, "Bounce for a resident's address (recorded as a hash)"),
        (logging.WARNING, "feedback not recorded: the in-memory counter is switched off"),
        (logging.ERROR, "ALARM Bounce for contact andrea-becker: the address does not accept "
                        "mail; counted as absent for new inquiries until 2025-03-10; check the "
                        "address in routing.toml"),
        (logging.WARNING, "feedback not recorded: the in-memory counter is switched off"),
    ]


def test_only_feedback_is_recorded_and_counted(counter: InMemoryCounter) -> None:
    recorded = record(counter, bounce("a@example.org"), '{"eventType": "Delivery"}',
                      "not json", complaint("b@example.org"), bounce("c@example.org"))

    assert recorded == 3
    assert len(counter.counts) == 3
