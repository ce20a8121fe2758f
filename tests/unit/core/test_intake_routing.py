"""Who an accepted inquiry is recorded for (intake.py with routing.py): the record is what
both emails are built from, so it must name the right person, in the right languages.

The intake runs with a small clinic's routing and the in-memory ports of
tests/support/fakes.py; test_intake.py covers tokens, limits and faults.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.core.form_token import FormTokens
from chalicelib.core.intake import InquiryIntake
from chalicelib.core.rate_limit import RateLimit
from chalicelib.core.records import InquiryRecord
from chalicelib.core.routing_file import parse_routing_text
from tests.support.clock import MovableClock
from tests.support.fakes import (
    InMemoryCounter,
    InMemoryInquiryStore,
    InMemoryUnreachableContacts,
    RecordingQueue,
)
from tests.unit.core.clinic_routing import CLINIC, LABELS

SECRET = b"unit-test-secret"
NEXT_STEPS = LABELS.replace("labels", "next_steps").replace('"Health"', '"We call you back."')
ROUTING = parse_routing_text(f"""fallback_topic = "other"
{CLINIC}
[topics.health]
contacts = ["first", "second"]
cc = ["team@example.org"]
response_days = 3
{LABELS}
{NEXT_STEPS}

[topics.other]
contacts = ["second"]
{LABELS.replace('"Health"', '"Something else"')}

[[absences]]
contact = "first"
first_day = 2025-03-04
last_day = 2025-03-04
""")
MONDAY_MORNING = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def accepted(language: str, topic: str = "health",
             at: datetime = MONDAY_MORNING) -> InquiryRecord:
    """The record of an inquiry sent at `at` from a form opened a minute before."""
    clock = MovableClock(at)
    tokens = FormTokens(SECRET, min_fill_seconds=3)
    intake = InquiryIntake(
        current_routing=lambda: ROUTING, tokens=tokens, store=InMemoryInquiryStore(),
        queue=RecordingQueue(), rate_limit=RateLimit(InMemoryCounter(), SECRET, 0),
        clock=clock, languages=("de", "en", "ar"), unreachable=InMemoryUnreachableContacts(),
    )
    fields = {"form_token": tokens.issue(clock().timestamp() - 60), "email": "amal@example.org",
              "topic": topic, "message": "Wo finde ich eine Kinderärztin?", "language": language}
    return intake.accept(fields, default_language="de", client_address="192.0.2.7")


def test_an_arabic_inquiry_goes_to_the_contact_who_speaks_arabic_and_reads_it_in_arabic() -> None:
    record = accepted("ar")

    assert (record.recipient.contact_key, record.recipient.name, record.recipient.email) == (
        "second", "Samir Second", "second@example.org")
    assert record.recipient.organisation == "Klinik am Hafen"
    assert record.recipient.staff_language == "ar"
    assert record.topic_labels == {"ar": "الصحة"}


def test_an_english_inquiry_goes_to_the_first_contact_with_her_label_and_the_residents() -> None:
    record = accepted("en")

    assert record.recipient.contact_key == "first"
    assert record.recipient.staff_language == "de"
    assert record.topic_labels == {"de": "Gesundheit", "en": "Health"}


@pytest.mark.parametrize(("at", "contact"), [
    pytest.param(datetime(2025, 3, 3, 22, 30, tzinfo=UTC), "first",
                 id="monday-23-30-in-flensburg"),
    pytest.param(datetime(2025, 3, 3, 23, 30, tzinfo=UTC), "second",
                 id="tuesday-00-30-in-flensburg-still-monday-in-utc"),
])
def test_a_contact_is_skipped_on_the_flensburg_day_of_her_absence(
    at: datetime, contact: str
) -> None:
    assert accepted("de", at=at).recipient.contact_key == contact


def test_the_record_keeps_the_topics_copies_answer_time_and_next_steps_of_the_resident() -> None:
    record = accepted("en")

    assert record.recipient.cc == ("team@example.org",)
    assert record.response_days == 3
    assert record.next_steps == "We call you back."


def test_a_topic_without_next_steps_or_copies_records_none() -> None:
    record = accepted("en", topic="other")

    assert record.recipient.cc == ()
    assert record.response_days == 5
    assert record.next_steps == ""
