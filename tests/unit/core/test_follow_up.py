"""The follow-up and the close of the loop (core/follow_up.py, core/escalation.py), over
the whole loop with in-memory ports (tests/support/whole_loop.py).

With the shipped routing: education goes to Anna Meier, its deputy is Stefan Schulz,
the escalation contact is Anna Meier; work goes to Stefan Schulz, deputy Anna Meier.
Inquiries arrive on Tuesday, 1 December 2026 at 09:00 in Flensburg, in English;
education's response_days are 5, so the follow-up is due 7 working days later, on
Thursday, 10 December at 09:00.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core.follow_up import Outcome
from chalicelib.core.ports import StoreUnavailable
from chalicelib.core.records import EmailKind, EscalationReason, Step
from chalicelib.core.telemetry import Event
from tests.support.loop import ses_bounce
from tests.support.whole_loop import (
    ANNA,
    RESIDENT,
    STEFAN,
    Loop,
    events,
    kind_of,
    subject_of,
    text_of,
    to_the_minute,
)


@pytest.fixture
def loop() -> Loop:
    return Loop()


def claimed(loop: Loop, topic: str = "education", contact_key: str = "anna-meier") -> str:
    reference = loop.submit(topic=topic)
    assert loop.claims.claim(reference, loop.claim_token(reference, contact_key)) is not None
    return reference


def followed_up(loop: Loop, reference: str) -> None:
    loop.at(loop.deadline(reference, Step.FOLLOW_UP))
    loop.run_clock()


def follow_ups(loop: Loop, after: int = 0) -> list[str]:
    return [sent.to for sent in loop.mailer.sent[after:] if kind_of(sent) is EmailKind.FOLLOW_UP]


def complaint(address: str, reference: str) -> str:
    return json.dumps({
        "eventType": "Complaint",
        "complaint": {"complainedRecipients": [{"emailAddress": address}]},
        "mail": {"messageId": "0100-test", "destination": [address],
                 "tags": {"reference": [reference], "kind": ["resident"]}},
    })


# The follow-up


def test_the_follow_up_arrives_response_days_plus_two_working_days_after_receipt_once(
    loop: Loop,
) -> None:
    reference = loop.submit()
    assert to_the_minute(loop.deadline(reference, Step.FOLLOW_UP)) == datetime(
        2026, 12, 10, 8, 0, tzinfo=UTC)

    loop.at(loop.deadline(reference, Step.FOLLOW_UP) - timedelta(minutes=1))
    loop.run_clock()  # the reminder and the escalations, not yet the follow-up
    assert follow_ups(loop) == []
    followed_up(loop, reference)
    loop.clock.advance(hours=2)
    loop.run_clock()

    assert follow_ups(loop) == [RESIDENT]
    (sent,) = [s for s in loop.mailer.sent if kind_of(s) is EmailKind.FOLLOW_UP]
    assert subject_of(sent) == f"Did you get an answer to inquiry {reference}?", "in English"
    assert sent.message["Content-Language"] == "en"
    assert sent.message["Auto-Submitted"] == "auto-generated"
    assert sent.message["Reply-To"] is None
    text = text_of(sent)
    token = loop.answer_token(reference).replace(":", "%3A")
    for answer in ("yes", "no"):
        assert (f"https://wegweiser.example/api/en/answered/{reference}?t={token}"
                f"&answer={answer}") in text
    assert "Gibt es einen Kita-Platz?" not in text, "nothing the resident wrote"


def test_a_claimed_inquiry_gets_its_follow_up_all_the_same_and_nobody_else_is_told(
    loop: Loop,
) -> None:
    reference = claimed(loop)
    sent = len(loop.mailer.sent)
    assert loop.record(reference).step is Step.FOLLOW_UP, "the claim moved the clock on"

    followed_up(loop, reference)

    assert loop.emails(sent) == [(RESIDENT, EmailKind.FOLLOW_UP)]
    record = loop.record(reference)
    assert record.step is Step.CLOSE
    assert record.due_at == record.followed_up_at + timedelta(days=14)  # type: ignore[operator]


def test_no_follow_up_to_an_address_whose_confirmation_bounced(loop: Loop) -> None:
    reference = claimed(loop)
    loop.ses_reports(ses_bounce(RESIDENT, reference=reference, kind="resident"))
    sent = len(loop.mailer.sent)

    followed_up(loop, reference)

    assert follow_ups(loop, sent) == []


def test_no_follow_up_to_an_address_that_complained_about_its_confirmation(
    loop: Loop, caplog: pytest.LogCaptureFixture,
) -> None:
    reference = claimed(loop)
    loop.ses_reports(complaint(RESIDENT, reference))
    sent = len(loop.mailer.sent)

    with caplog.at_level(logging.INFO, logger="wegweiser"):
        followed_up(loop, reference)
        loop.deliver()

    assert follow_ups(loop, sent) == []
    assert Event.FOLLOW_UP_WITHHELD in events(caplog)
    assert EmailKind.FOLLOW_UP in loop.record(reference).failed, "never tried again"


# The answer page


def test_opening_a_link_changes_nothing(loop: Loop) -> None:
    reference = claimed(loop)
    followed_up(loop, reference)
    before = loop.record(reference)

    for asked in (True, False):
        view = loop.follow_ups.look(reference, loop.answer_token(reference), asked)
        assert view is not None and (view.asked, view.outcome) == (asked, Outcome.OPEN)

    assert loop.record(reference) == before


def test_yes_closes_the_loop_and_forgets_name_address_and_message_at_once(loop: Loop) -> None:
    reference = claimed(loop)
    followed_up(loop, reference)
    sent = len(loop.mailer.sent)

    view = loop.follow_ups.answer(reference, loop.answer_token(reference), True)
    loop.deliver()

    assert view is not None and view.recorded_now
    assert (view.answered, view.outcome) == (True, Outcome.CLOSED)
    record = loop.record(reference)
    assert (record.answered, record.step, record.due_at) == (True, None, None)
    assert (record.inquiry.name, record.inquiry.email, record.inquiry.message) == ("", "", "")
    assert record.forgotten_at is not None
    assert (record.reference, record.inquiry.topic, record.inquiry.language) == (
        reference, "education", "en"), "what stays"
    assert loop.emails(sent) == []


def test_no_passes_the_inquiry_to_the_next_person_who_has_not_had_it_saying_why(
    loop: Loop,
) -> None:
    reference = claimed(loop)  # by Anna: nobody else had it
    followed_up(loop, reference)
    sent = len(loop.mailer.sent)

    view = loop.follow_ups.answer(reference, loop.answer_token(reference), False)
    loop.deliver()

    assert view is not None and (view.answered, view.outcome) == (False, Outcome.PASSED_ON)
    assert view.organisation == "Stadt Flensburg, Amt für Integration"
    assert loop.emails(sent) == [(STEFAN, EmailKind.ESCALATED), (ANNA, EmailKind.MOVED)]
    escalated = loop.mailer.sent[sent]
    assert "Die anfragende Person meldet: keine Antwort erhalten." in text_of(escalated)
    assert "nicht übernommen" not in text_of(escalated)
    assert "Gibt es einen Kita-Platz?" in text_of(escalated), "the whole inquiry"
    assert escalated.message["Reply-To"] == RESIDENT
    record = loop.record(reference)
    assert record.escalations[-1].reason is EscalationReason.NOT_ANSWERED
    assert record.step is Step.CLOSE
    assert record.due_at == record.escalations[-1].at + timedelta(days=14)


def test_a_no_despite_a_claim_lifts_it_so_that_the_new_holder_can_claim_it(
    loop: Loop,
) -> None:
    reference = claimed(loop)  # by Anna, who then did not answer
    followed_up(loop, reference)

    loop.follow_ups.answer(reference, loop.answer_token(reference), False)
    loop.deliver()

    assert loop.record(reference).claim is None
    view = loop.claims.claim(reference, loop.claim_token(reference, "stefan-schulz"))
    assert view is not None and view.claim is not None
    assert (view.claim.name, view.claimed_now) == ("Stefan Schulz", True)


def test_a_no_whose_escalation_was_never_written_is_finished_by_the_same_no_again(
    loop: Loop,
) -> None:
    reference = claimed(loop)
    followed_up(loop, reference)
    # The process died between recording the answer and escalating.
    assert loop.store.record_answer(reference, False, loop.clock()) is False
    sent = len(loop.mailer.sent)

    view = loop.follow_ups.answer(reference, loop.answer_token(reference), False)
    loop.deliver()

    assert view is not None and view.outcome is Outcome.PASSED_ON
    assert loop.emails(sent) == [(STEFAN, EmailKind.ESCALATED), (ANNA, EmailKind.MOVED)]
    loop.follow_ups.answer(reference, loop.answer_token(reference), False)
    loop.deliver()
    assert len(loop.emails(sent)) == 2, "once"


def test_no_when_nobody_is_left_on_the_path_alarms(
    loop: Loop, caplog: pytest.LogCaptureFixture,
) -> None:
    reference = loop.submit(topic="work")  # Stefan; the deputy and the lead are both Anna
    followed_up(loop, reference)  # escalated to Anna, the second step skipped
    sent = len(loop.mailer.sent)

    with caplog.at_level(logging.INFO, logger="wegweiser"):
        view = loop.follow_ups.answer(reference, loop.answer_token(reference), False)
        loop.deliver()

    assert view is not None and view.outcome is Outcome.ALERTED
    alarms = [r.getMessage() for r in caplog.records
              if getattr(r, "event", None) is Event.NOBODY_LEFT]
    assert alarms[-1].startswith(f"ALARM inquiry {reference}: the resident reports no answer")
    assert loop.emails(sent) == []


def test_the_first_answer_stands_and_a_later_one_is_shown_it(loop: Loop) -> None:
    reference = claimed(loop)
    followed_up(loop, reference)
    token = loop.answer_token(reference)
    first = loop.follow_ups.answer(reference, token, False)
    loop.deliver()
    sent = len(loop.mailer.sent)
    loop.clock.advance(hours=1)

    again = loop.follow_ups.answer(reference, token, False)
    changed = loop.follow_ups.answer(reference, token, True)
    loop.deliver()

    assert first is not None and again is not None and changed is not None
    assert not again.recorded_now and not changed.recorded_now
    assert (changed.answered, changed.outcome, changed.answered_at) == (
        False, Outcome.PASSED_ON, first.answered_at)
    assert loop.emails(sent) == [], "escalated once"
    assert loop.record(reference).inquiry.message, "a later yes forgets nothing"


# The close


def test_fourteen_days_after_the_follow_up_an_unanswered_inquiry_s_personal_data_is_forgotten(
    loop: Loop, caplog: pytest.LogCaptureFixture,
) -> None:
    reference = claimed(loop)
    followed_up(loop, reference)
    close = loop.record(reference).due_at
    assert close is not None

    loop.at(close - timedelta(minutes=1))
    loop.run_clock()
    assert loop.record(reference).inquiry.message, "not yet"
    with caplog.at_level(logging.INFO, logger="wegweiser"):
        loop.at(close)
        loop.run_clock()

    record = loop.record(reference)
    assert (record.inquiry.name, record.inquiry.email, record.inquiry.message) == ("", "", "")
    assert (record.step, record.due_at, record.answered) == (None, None, None)
    assert Event.LOOP_CLOSED in events(caplog)


def test_a_no_after_the_personal_data_is_gone_escalates_with_reference_and_topic_only(
    loop: Loop,
) -> None:
    reference = claimed(loop)
    followed_up(loop, reference)
    loop.at(loop.record(reference).due_at)  # type: ignore[arg-type]
    loop.run_clock()  # the loop closes
    sent = len(loop.mailer.sent)

    view = loop.follow_ups.answer(reference, loop.answer_token(reference), False)
    loop.deliver()

    assert view is not None and view.outcome is Outcome.PASSED_ON
    assert loop.emails(sent) == [(STEFAN, EmailKind.ESCALATED), (ANNA, EmailKind.MOVED)]
    escalated = loop.mailer.sent[sent]
    text = text_of(escalated)
    assert reference in text and "Bildung" in text
    assert "Gibt es einen Kita-Platz?" not in text and RESIDENT not in text
    assert "keine Antwort erhalten" in text
    assert escalated.message["Reply-To"] is None
    assert loop.record(reference).step is None, "nothing left to close"


# The token


def test_the_token_is_checked_before_the_store_is_read(loop: Loop) -> None:
    reference = claimed(loop)
    good = loop.answer_token(reference)
    loop.store.unavailable = True

    for bad in ("", "1.x", good + "x", good.replace(".", ".A")):
        assert loop.follow_ups.look(reference, bad, True) is None
        assert loop.follow_ups.answer(reference, bad, False) is None
    with pytest.raises(StoreUnavailable):
        loop.follow_ups.look(reference, good, True)


def test_an_unknown_a_foreign_and_an_expired_reference_have_no_page(loop: Loop) -> None:
    reference = claimed(loop)
    other = loop.submit()
    token = loop.answer_token(reference)

    assert loop.follow_ups.look("ZZZZ-ZZZZ", token, True) is None
    assert loop.follow_ups.look(other, token, True) is None, "a token of another inquiry"
    loop.clock.advance(days=181)
    assert loop.follow_ups.look(reference, token, True) is None
