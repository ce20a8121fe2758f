"""When SES reports a bounce (core/ses_feedback.py, EscalationClock.fail_over): the inquiry
whose staff email bounced goes to the next person at once, the contact counts as absent
for a week, and a resident whose confirmation bounced is not left waiting for a reply
by email that cannot arrive.

The whole loop over fakes (tests/support/whole_loop.py), shipped routing: education goes
to Anna Meier (deputy Stefan Schulz, escalation contact Anna Meier, the project lead);
work goes to Stefan Schulz (deputy Anna Meier).
"""

from __future__ import annotations

import logging

import pytest

from chalicelib.core.records import EmailKind, EscalationReason, Step
from chalicelib.core.telemetry import Event
from tests.support.loop import ses_bounce
from tests.support.whole_loop import (
    ANNA,
    RESIDENT,
    STEFAN,
    Loop,
    events,
    subject_of,
    text_of,
)


@pytest.fixture
def loop() -> Loop:
    return Loop()


def alarms(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("ALARM")]


# A contact's address bounces


def test_a_bounced_staff_email_sends_the_inquiry_to_the_deputy_at_once_without_a_note(
    loop: Loop, caplog: pytest.LogCaptureFixture,
) -> None:
    reference = loop.submit("education")
    sent = len(loop.mailer.sent)

    with caplog.at_level(logging.INFO, logger="wegweiser"):
        loop.ses_reports(ses_bounce(ANNA, reference=reference, kind="staff"))

    assert loop.emails(sent) == [(STEFAN, EmailKind.ESCALATED)], "no note to a dead mailbox"
    escalated = loop.mailer.sent[-1]
    assert subject_of(escalated).startswith(f"Eskaliert: Anfrage {reference}")
    assert ("An Sie weitergeleitet: Die E-Mail an Anna Meier konnte nicht zugestellt werden, "
            "die Adresse nimmt keine E-Mails an.") in text_of(escalated)
    (escalation,) = loop.record(reference).escalations
    assert (escalation.step, escalation.reason) == (Step.ESCALATE, EscalationReason.BOUNCED)
    assert alarms(caplog) == [
        "ALARM Bounce for contact anna-meier: the address does not accept mail; counted as "
        "absent for new inquiries until 2026-12-08; check the address in routing.toml"]
    assert ANNA not in caplog.text, "the log names the contact key, never the address"
    assert Event.INQUIRY_FAILED_OVER in events(caplog)


def test_the_next_inquiry_of_that_topic_goes_straight_to_the_deputy_with_the_reason(
    loop: Loop, caplog: pytest.LogCaptureFixture,
) -> None:
    first = loop.submit("education")
    loop.ses_reports(ses_bounce(ANNA, reference=first, kind="staff"))
    loop.clock.advance(hours=1)

    with caplog.at_level(logging.INFO, logger="wegweiser"):
        second = loop.submit("education")

    assert loop.record(second).recipient.contact_key == "stefan-schulz"
    *_, accepted = [r for r in caplog.records
                    if getattr(r, "event", None) is Event.INQUIRY_ACCEPTED]
    assert "anna-meier's address bounced: counted as absent until 2026-12-08" in (
        accepted.details["routed"])  # type: ignore[attr-defined]


def test_seven_days_after_the_bounce_the_contact_receives_inquiries_again(loop: Loop) -> None:
    first = loop.submit("education")
    loop.ses_reports(ses_bounce(ANNA, reference=first, kind="staff"))

    loop.clock.advance(days=7, minutes=1)
    later = loop.submit("education")

    assert loop.record(later).recipient.contact_key == "anna-meier"


def test_after_the_fail_over_the_clock_keeps_its_deadlines_for_the_next_step(
    loop: Loop,
) -> None:
    reference = loop.submit("work")  # Stefan; deputy Anna; escalation contact Anna
    loop.ses_reports(ses_bounce(STEFAN, reference=reference, kind="staff"))

    record = loop.record(reference)
    assert record.holder.contact_key == "anna-meier"
    assert record.step is Step.ESCALATE_AGAIN, "no reminder to the address that bounced"
    assert record.due_at == loop.deadline(reference, Step.ESCALATE_AGAIN)


def test_when_the_next_holder_bounces_too_and_nobody_is_left_an_alarm_says_so(
    loop: Loop, caplog: pytest.LogCaptureFixture,
) -> None:
    reference = loop.submit("work")
    loop.ses_reports(ses_bounce(STEFAN, reference=reference, kind="staff"))
    sent = len(loop.mailer.sent)

    with caplog.at_level(logging.INFO, logger="wegweiser"):
        loop.ses_reports(ses_bounce(ANNA, reference=reference, kind="escalated"))

    assert loop.emails(sent) == []
    assert alarms(caplog)[-1] == (
        f"ALARM inquiry {reference}: the address of contact anna-meier bounced and nobody is "
        "left to pass it on to (the escalation contact, anna-meier, had it already)")


def test_the_same_bounce_reported_twice_passes_the_inquiry_on_once(loop: Loop) -> None:
    reference = loop.submit("education")
    sent = len(loop.mailer.sent)

    loop.ses_reports(ses_bounce(ANNA, reference=reference, kind="staff"))
    loop.ses_reports(ses_bounce(ANNA, reference=reference, kind="staff"))  # SNS repeats

    assert loop.emails(sent) == [(STEFAN, EmailKind.ESCALATED)]


def test_a_bounce_of_an_older_email_moves_an_inquiry_that_moved_on_no_further(
    loop: Loop,
) -> None:
    reference = loop.submit("education")
    loop.at(loop.deadline(reference, Step.ESCALATE))
    loop.run_clock()  # to Stefan, with a note to Anna
    sent = len(loop.mailer.sent)

    loop.ses_reports(ses_bounce(ANNA, reference=reference, kind="moved"))

    assert loop.emails(sent) == []
    assert loop.record(reference).holder.contact_key == "stefan-schulz"


def test_a_claimed_inquiry_stays_with_whoever_claimed_it_when_their_address_bounces(
    loop: Loop,
) -> None:
    reference = loop.submit("education")
    loop.claims.claim(reference, loop.claim_token(reference))
    sent = len(loop.mailer.sent)

    loop.ses_reports(ses_bounce(ANNA, reference=reference, kind="staff"))

    assert loop.emails(sent) == []
    assert loop.record(reference).escalations == ()


def test_a_bounce_that_is_not_permanent_changes_nothing_but_is_alarmed(
    loop: Loop, caplog: pytest.LogCaptureFixture,
) -> None:
    reference = loop.submit("education")
    sent = len(loop.mailer.sent)

    with caplog.at_level(logging.INFO, logger="wegweiser"):
        loop.ses_reports(ses_bounce(ANNA, reference=reference, kind="staff",
                                    bounce_type="Transient"))

    assert loop.emails(sent) == []
    assert loop.unreachable.marked == {}
    assert alarms(caplog) == ["ALARM Bounce for contact anna-meier: their inquiries may reach "
                              "nobody; check the address in routing.toml"]


# A resident's confirmation bounces


def test_a_bounced_confirmation_tells_the_contact_a_reply_by_email_will_not_arrive(
    loop: Loop,
) -> None:
    reference = loop.submit("education")
    sent = len(loop.mailer.sent)

    loop.ses_reports(ses_bounce(RESIDENT, reference=reference, kind="resident"))
    loop.ses_reports(ses_bounce(RESIDENT, reference=reference, kind="resident"))

    assert loop.emails(sent) == [(ANNA, EmailKind.RESIDENT_UNREACHABLE)], "once"
    note = loop.mailer.sent[-1]
    assert subject_of(note) == (
        f"Anfrage {reference}: Die Adresse der anfragenden Person nimmt keine E-Mails an")
    assert (f"Die Adresse {RESIDENT} nimmt keine E-Mails an. Auch eine Antwort per E-Mail "
            "wird nicht ankommen.") in text_of(note)
    assert note.message["Reply-To"] is None, "a reply would bounce too"


def test_the_note_of_a_bounced_confirmation_goes_to_whoever_claimed_the_inquiry(
    loop: Loop,
) -> None:
    reference = loop.submit("education")
    loop.at(loop.deadline(reference, Step.ESCALATE))
    loop.run_clock()  # to Stefan
    loop.claims.claim(reference, loop.claim_token(reference, "stefan-schulz"))
    sent = len(loop.mailer.sent)

    loop.ses_reports(ses_bounce(RESIDENT, reference=reference, kind="resident"))

    assert loop.emails(sent) == [(STEFAN, EmailKind.RESIDENT_UNREACHABLE)]
    assert "/claim/" not in text_of(loop.mailer.sent[-1]), "claimed already: no claim link"


def test_a_report_whose_address_is_not_the_inquirys_sends_no_note(loop: Loop) -> None:
    reference = loop.submit("education")
    sent = len(loop.mailer.sent)

    loop.ses_reports(ses_bounce("someone.else@example.org", reference=reference,
                                kind="resident"))

    assert loop.emails(sent) == []
