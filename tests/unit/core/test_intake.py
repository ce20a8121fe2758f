"""Accepting an inquiry (chalicelib/core/intake.py) with in-memory ports: what is stored,
what is queued, and what the resident is told when something is wrong.

The real form tokens, rate limit and bundled routing; the store, queue and counter
are the fakes of tests/support/fakes.py, the clock a MovableClock.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core.form_token import FormTokens
from chalicelib.core.inquiry import FieldError, InvalidInquiry, TokenProblem
from chalicelib.core.intake import InquiryIntake
from chalicelib.core.ports import StoreUnavailable
from chalicelib.core.rate_limit import RateLimit, RateLimited
from chalicelib.core.references import PATTERN
from chalicelib.core.routing_file import bundled_routing
from chalicelib.core.sweep import Sweep
from chalicelib.core.templating import form_languages
from tests.support.clock import MovableClock
from tests.support.fakes import (
    InMemoryCounter,
    InMemoryInquiryStore,
    InMemoryUnreachableContacts,
    RecordingQueue,
)

SECRET = b"unit-test-secret"
MIN_FILL_SECONDS = 3
PER_HOUR = 3
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday morning in Flensburg
CLIENT = "203.0.113.7"
RESIDENT = "zoe@example.org"
ANNA = "info@integration-flensburg.de"  # education, culture and the project
STEFAN = "schulz.stefan@flensburg.de"  # work and everything else
ANDREA = "presse@drk.de"  # health and the press
INQUIRY = {"email": RESIDENT, "topic": "education", "message": "Gibt es einen Kita-Platz?",
           "name": "Zoë", "language": "en"}


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
def tokens() -> FormTokens:
    return FormTokens(SECRET, MIN_FILL_SECONDS)


@pytest.fixture
def intake(
    clock: MovableClock, tokens: FormTokens, store: InMemoryInquiryStore,
    queue: RecordingQueue, counter: InMemoryCounter,
    unreachable: InMemoryUnreachableContacts,
) -> InquiryIntake:
    return InquiryIntake(
        current_routing=bundled_routing,
        tokens=tokens,
        store=store,
        queue=queue,
        rate_limit=RateLimit(counter, SECRET, PER_HOUR),
        clock=clock,
        languages=form_languages(),
        unreachable=unreachable,
    )


def form(tokens: FormTokens, clock: MovableClock, *, opened_seconds_ago: float = 60,
         **fields: object) -> dict[str, object]:
    """The fields of a form opened a while ago (with its token) and filled in."""
    token = tokens.issue(clock().timestamp() - opened_seconds_ago)
    return {"form_token": token, **INQUIRY, **fields}


def send(intake: InquiryIntake, fields: Mapping[str, object], client: str = CLIENT) -> str:
    """Submit the form; the reference the resident is shown."""
    return intake.accept(fields, default_language="de", client_address=client).reference


def refused(intake: InquiryIntake, fields: Mapping[str, object]) -> dict[str, str]:
    """Submit a form that must be refused; the error code of each field named."""
    with pytest.raises(InvalidInquiry) as refusal:
        intake.accept(fields, default_language="de", client_address=CLIENT)
    return {field: str(code) for field, code in refusal.value.errors.items()}


# Accepted


def test_a_valid_inquiry_is_stored_and_queued_for_the_contact_of_its_topic(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
    store: InMemoryInquiryStore, queue: RecordingQueue,
) -> None:
    record = intake.accept(form(tokens, clock), default_language="de", client_address=CLIENT)

    assert re.fullmatch(PATTERN, record.reference)
    assert record.recipient.name == "Anna Meier"
    assert record.recipient.email == ANNA
    assert record.recipient.organisation == "Integration in Flensburg e.V."
    assert record.inquiry.email == RESIDENT
    assert record.inquiry.message == "Gibt es einen Kita-Platz?"
    assert START <= record.received_at <= clock()
    assert store.get(record.reference, clock()) == record
    assert queue.sent == [record.reference]


@pytest.mark.parametrize(("topic", "contact", "retention_days"), [
    ("education", ANNA, 180), ("work", STEFAN, 180), ("health", ANDREA, 90),
    ("press", ANDREA, 180), ("other", STEFAN, 180),
])
def test_each_topic_is_stored_for_its_contact_and_kept_for_its_retention_period(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
    store: InMemoryInquiryStore, topic: str, contact: str, retention_days: int,
) -> None:
    reference = send(intake, form(tokens, clock, topic=topic, consent=True))

    stored = store.get(reference, clock())
    assert stored is not None
    assert stored.recipient.email == contact
    assert stored.retention_days == retention_days
    assert store.get(reference, clock() + timedelta(days=retention_days, seconds=1)) is None


def test_an_inquiry_without_a_language_takes_the_language_of_the_page(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
    store: InMemoryInquiryStore,
) -> None:
    reference = send(intake, form(tokens, clock, language=""))

    stored = store.get(reference, clock())
    assert stored is not None
    assert stored.inquiry.language == "de"


def test_two_forms_are_two_inquiries_with_two_references(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
    store: InMemoryInquiryStore, queue: RecordingQueue,
) -> None:
    first = send(intake, form(tokens, clock))
    second = send(intake, form(tokens, clock))

    assert first != second
    assert sorted(store.inquiries) == sorted([first, second])
    assert queue.sent == [first, second]


def test_the_log_names_the_reference_but_nothing_the_resident_wrote(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="wegweiser"):
        reference = send(intake, form(tokens, clock))

    assert reference in caplog.text
    for personal in (RESIDENT, "Zoë", "Kita-Platz"):
        assert personal not in caplog.text


# Refused: broken fields and form tokens


def test_every_broken_field_is_named_and_nothing_is_stored_or_queued(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
    store: InMemoryInquiryStore, queue: RecordingQueue,
) -> None:
    fields = form(tokens, clock, email="zoe.example.org", topic="astrology", message="",
                  language="xx")

    assert refused(intake, fields) == {
        "email": FieldError.INVALID_EMAIL,
        "topic": FieldError.UNKNOWN_TOPIC,
        "message": FieldError.MESSAGE_REQUIRED,
        "language": FieldError.UNKNOWN_LANGUAGE,
    }
    assert store.inquiries == {}
    assert queue.sent == []


def test_a_form_without_a_token_is_refused_and_nothing_is_stored_or_queued(
    intake: InquiryIntake, store: InMemoryInquiryStore, queue: RecordingQueue,
) -> None:
    assert refused(intake, dict(INQUIRY)) == {"form_token": TokenProblem.MISSING}
    assert store.inquiries == {}
    assert queue.sent == []


def test_a_token_that_is_not_text_counts_as_missing(intake: InquiryIntake) -> None:
    assert refused(intake, {**INQUIRY, "form_token": 12345}) == {
        "form_token": TokenProblem.MISSING}


def test_a_forged_token_is_refused_and_nothing_is_stored_or_queued(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
    store: InMemoryInquiryStore, queue: RecordingQueue,
) -> None:
    fields = form(tokens, clock)
    issued_at, nonce, _signature = str(fields["form_token"]).split(".")
    forged = {**fields, "form_token": f"{issued_at}.{nonce}.forged-signature"}

    assert refused(intake, forged) == {"form_token": TokenProblem.INVALID}
    assert store.inquiries == {}
    assert queue.sent == []


def test_a_token_signed_with_another_secret_is_refused(
    intake: InquiryIntake, clock: MovableClock,
) -> None:
    other = FormTokens(b"another-stage", MIN_FILL_SECONDS)
    fields = {**INQUIRY, "form_token": other.issue(clock().timestamp() - 60)}

    assert refused(intake, fields) == {"form_token": TokenProblem.INVALID}


def test_a_form_left_open_for_more_than_a_day_is_refused_as_expired(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
    store: InMemoryInquiryStore, queue: RecordingQueue,
) -> None:
    fields = form(tokens, clock)
    clock.advance(hours=25)

    assert refused(intake, fields) == {"form_token": TokenProblem.EXPIRED}
    assert store.inquiries == {}
    assert queue.sent == []


def test_a_form_sent_faster_than_a_person_can_fill_it_is_refused(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
    store: InMemoryInquiryStore, queue: RecordingQueue,
) -> None:
    fields = form(tokens, clock, opened_seconds_ago=1)

    assert refused(intake, fields) == {"form_token": TokenProblem.TOO_FAST}
    assert store.inquiries == {}
    assert queue.sent == []


def test_the_same_form_sent_a_little_later_is_accepted(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
    store: InMemoryInquiryStore,
) -> None:
    fields = form(tokens, clock, opened_seconds_ago=1)
    refused(intake, fields)
    clock.advance(seconds=MIN_FILL_SECONDS)

    reference = send(intake, fields)

    assert list(store.inquiries) == [reference]


def test_a_token_problem_is_named_beside_the_broken_fields(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
) -> None:
    fields = form(tokens, clock, message="")
    clock.advance(hours=25)

    assert refused(intake, fields) == {"message": FieldError.MESSAGE_REQUIRED,
                                       "form_token": TokenProblem.EXPIRED}


def test_too_fast_is_not_named_beside_a_field_the_resident_must_correct_anyway(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
) -> None:
    fields = form(tokens, clock, opened_seconds_ago=1, message="")

    assert refused(intake, fields) == {"message": FieldError.MESSAGE_REQUIRED}


# Bots and repeated forms


def test_a_filled_honeypot_gets_a_normal_looking_answer_but_nothing_is_stored_or_queued(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
    store: InMemoryInquiryStore, queue: RecordingQueue,
) -> None:
    record = intake.accept(form(tokens, clock, website="https://spam.example"),
                           default_language="de", client_address=CLIENT)

    assert re.fullmatch(PATTERN, record.reference)
    assert record.recipient.email == ANNA
    assert store.inquiries == {}
    assert queue.sent == []


def test_a_form_sent_twice_is_stored_once_with_one_reference(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
    store: InMemoryInquiryStore, queue: RecordingQueue,
) -> None:
    fields = form(tokens, clock)
    first = send(intake, fields)
    clock.advance(seconds=2)

    again = send(intake, fields)

    assert again == first
    assert list(store.inquiries) == [first]
    assert queue.sent == [first], "its emails are queued once"


def test_a_form_sent_twice_answers_with_the_first_inquiry_as_stored(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
) -> None:
    fields = form(tokens, clock)
    first = intake.accept(fields, default_language="de", client_address=CLIENT)
    clock.advance(seconds=2)

    again = intake.accept(fields, default_language="de", client_address=CLIENT)

    assert again == first
    assert again.received_at == first.received_at


def test_a_token_used_again_with_another_text_is_refused_and_the_first_inquiry_stays(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
    store: InMemoryInquiryStore, queue: RecordingQueue,
) -> None:
    fields = form(tokens, clock)
    first = send(intake, fields)

    assert refused(intake, {**fields, "message": "Etwas ganz anderes"}) == {
        "form_token": TokenProblem.USED}
    stored = store.get(first, clock())
    assert stored is not None
    assert stored.inquiry.message == "Gibt es einen Kita-Platz?"
    assert queue.sent == [first]


# Faults


def test_an_inquiry_the_queue_did_not_take_is_still_accepted_and_the_sweep_queues_it(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
    store: InMemoryInquiryStore, queue: RecordingQueue,
) -> None:
    queue.unavailable = True

    reference = send(intake, form(tokens, clock))

    assert list(store.inquiries) == [reference]
    assert queue.sent == []
    queue.unavailable = False
    clock.advance(minutes=11)
    Sweep(store=store, queue=queue, clock=clock, grace=timedelta(minutes=10)).requeue_stalled()
    assert queue.sent == [reference]


def test_when_the_store_is_down_the_inquiry_is_not_accepted_and_nothing_is_queued(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
    store: InMemoryInquiryStore, queue: RecordingQueue,
) -> None:
    store.unavailable = True

    with pytest.raises(StoreUnavailable):
        send(intake, form(tokens, clock))

    assert queue.sent == []


def test_a_client_over_its_hourly_limit_is_told_when_to_retry_and_nothing_is_stored(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
    store: InMemoryInquiryStore, queue: RecordingQueue,
) -> None:
    accepted = [send(intake, form(tokens, clock)) for _ in range(PER_HOUR)]
    clock.advance(minutes=15)

    with pytest.raises(RateLimited) as limited:
        send(intake, form(tokens, clock))

    assert 44 * 60 <= limited.value.retry_after <= 45 * 60, "the rest of the hour"
    assert sorted(store.inquiries) == sorted(accepted)
    assert queue.sent == accepted


def test_the_hourly_limit_counts_each_client_on_its_own(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
    store: InMemoryInquiryStore,
) -> None:
    for _ in range(PER_HOUR):
        send(intake, form(tokens, clock))

    reference = send(intake, form(tokens, clock), client="198.51.100.23")

    assert reference in store.inquiries


def test_a_client_over_its_limit_may_send_again_the_next_hour(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
    store: InMemoryInquiryStore,
) -> None:
    for _ in range(PER_HOUR):
        send(intake, form(tokens, clock))
    with pytest.raises(RateLimited):
        send(intake, form(tokens, clock))
    clock.advance(hours=1)

    reference = send(intake, form(tokens, clock))

    assert reference in store.inquiries


def test_the_counter_never_holds_the_client_address(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock, counter: InMemoryCounter,
) -> None:
    send(intake, form(tokens, clock))

    assert len(counter.counts) == 1
    assert not any(CLIENT in key for key, _field in counter.counts)


def test_when_the_counter_is_down_the_inquiry_is_accepted_without_a_limit(
    intake: InquiryIntake, tokens: FormTokens, clock: MovableClock,
    store: InMemoryInquiryStore, queue: RecordingQueue, counter: InMemoryCounter,
) -> None:
    counter.unavailable = True

    references = [send(intake, form(tokens, clock)) for _ in range(PER_HOUR + 1)]

    assert sorted(store.inquiries) == sorted(references)
    assert queue.sent == references
