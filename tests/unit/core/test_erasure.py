"""Erasure on the resident's request (chalicelib/core/erasure.py), with in-memory ports:
what is deleted at once, who is told to delete their copy, and what stops.

The whole loop runs over fakes (tests/support/whole_loop.py) with the shipped routing:
education goes to Anna Meier, its deputy is Stefan Schulz, the escalation contact is
Anna Meier. Inquiries arrive on Tuesday, 1 December 2026 at 09:00 in Flensburg.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.core.emails import Sender, build_email
from chalicelib.core.erasure import Erasure
from chalicelib.core.records import (
    EmailKind,
    Escalation,
    EscalationReason,
    Step,
    emails_asked,
    erasure_notes,
)
from chalicelib.core.telemetry import KINDS, Event
from tests.support.fakes import InMemoryInquiryStore, RecordingQueue
from tests.support.loop import LINKS, with_every_email
from tests.support.whole_loop import (
    ANNA,
    RESIDENT,
    STEFAN,
    TUESDAY_9_AM,
    Loop,
    events,
    routing_with,
    subject_of,
    text_of,
)

TEAM = "team@integration-flensburg.de"
ERASED = (EmailKind.ERASED_FOR_CONTACT, EmailKind.ERASED_FOR_DEPUTY,
          EmailKind.ERASED_FOR_ESCALATION_CONTACT)


def with_cc_and_an_english_deputy(text: str) -> str:
    """Education's inquiries go to Anna with a copy to her team; Stefan reads English."""
    text = text.replace('deputy = "stefan-schulz"\nlabels.de = "Bildung"',
                        f'deputy = "stefan-schulz"\ncc = ["{TEAM}"]\nlabels.de = "Bildung"', 1)
    return text.replace('email = "schulz.stefan@flensburg.de"\norganisation = "stadt"\n'
                        'staff_language = "de"',
                        'email = "schulz.stefan@flensburg.de"\norganisation = "stadt"\n'
                        'staff_language = "en"', 1)


@pytest.fixture
def loop() -> Loop:
    return Loop()


def notes(loop: Loop, after: int = 0) -> list[tuple[str, EmailKind]]:
    return [(to, kind) for to, kind in loop.emails(after) if kind in ERASED]


# What is deleted, what stays


def test_erasure_deletes_name_address_and_message_at_once_and_keeps_reference_topic_and_dates(
    loop: Loop,
) -> None:
    reference = loop.submit()
    before = loop.record(reference)
    loop.queue.unavailable = True  # not even a delivery is needed for the deletion

    view = loop.erasure.erase(reference, loop.status_token(reference))

    assert view is not None and view.erased_at is not None
    erased = loop.record(reference)
    assert (erased.inquiry.name, erased.inquiry.email, erased.inquiry.message) == ("", "", "")
    assert (erased.reference, erased.inquiry.topic, erased.inquiry.language,
            erased.received_at, erased.expires_at) == (
        before.reference, before.inquiry.topic, before.inquiry.language,
        before.received_at, before.expires_at)
    assert erased.erased_at == erased.forgotten_at == view.erased_at
    assert erased.recipient == before.recipient and erased.sent == before.sent


def test_an_erasure_is_logged_and_counted_without_personal_data(
    loop: Loop, caplog: pytest.LogCaptureFixture,
) -> None:
    reference = loop.submit()
    caplog.set_level(logging.INFO, logger="wegweiser")

    loop.erase(reference)

    assert Event.INQUIRY_ERASED in events(caplog)
    assert KINDS[Event.INQUIRY_ERASED].metric == "Erasures"
    logged = " ".join(f"{record.getMessage()} {getattr(record, 'details', '')}"
                      for record in caplog.records)
    for private in (RESIDENT, "Kita-Platz"):
        assert private not in logged


# Who is told


def test_the_first_contact_and_the_topics_copy_get_one_note_in_the_staff_language() -> None:
    loop = Loop(routing_with(with_cc_and_an_english_deputy))
    reference = loop.submit()
    sent = len(loop.mailer.sent)

    loop.erase(reference)

    assert loop.emails(sent) == [(ANNA, EmailKind.ERASED_FOR_CONTACT)]
    [note] = loop.mailer.sent[sent:]
    assert note.cc == (TEAM,)
    assert subject_of(note) == f"Anfrage {reference}: zurückgezogen, bitte löschen"
    text = text_of(note)
    assert reference in text and "Bildung" in text and "01.12.2026" in text
    assert "Art. 17 und 19 DSGVO" in text
    assert note.tags == {"reference": reference, "kind": EmailKind.ERASED_FOR_CONTACT}


def test_the_note_names_nobody_carries_no_claim_link_and_no_reply_to(loop: Loop) -> None:
    reference = loop.submit()
    sent = len(loop.mailer.sent)

    loop.erase(reference)

    [note] = loop.mailer.sent[sent:]
    whole = note.message.as_string()
    assert "claim/" not in whole
    assert note.message["Reply-To"] is None
    assert note.message["Auto-Submitted"] == "auto-generated"
    for private in (RESIDENT, "Gibt es einen Kita-Platz?"):
        assert private not in text_of(note)


def test_a_deputy_who_received_the_inquiry_after_an_escalation_gets_a_note_in_their_language(
) -> None:
    loop = Loop(routing_with(with_cc_and_an_english_deputy))
    reference = loop.submit()
    loop.at(loop.deadline(reference, Step.ESCALATE))
    loop.run_clock()
    sent = len(loop.mailer.sent)

    loop.erase(reference)

    assert loop.emails(sent) == [(ANNA, EmailKind.ERASED_FOR_CONTACT),
                                 (STEFAN, EmailKind.ERASED_FOR_DEPUTY)]
    deputy_note = loop.mailer.sent[-1]
    assert subject_of(deputy_note) == f"Inquiry {reference}: withdrawn, please delete"


def test_a_contact_who_received_the_inquiry_twice_gets_one_note(loop: Loop) -> None:
    reference = loop.submit()  # Anna, then Stefan, then Anna again as the escalation contact
    loop.at(loop.deadline(reference, Step.ESCALATE_AGAIN))
    loop.run_clock()
    received = [to for to, kind in loop.emails() if kind in (
        EmailKind.STAFF, EmailKind.ESCALATED, EmailKind.ESCALATED_AGAIN)]
    sent = len(loop.mailer.sent)

    loop.erase(reference)

    assert sorted(to for to, _ in notes(loop, sent)) == sorted(set(received))


def test_nobody_who_never_received_the_inquiry_gets_a_note(loop: Loop) -> None:
    reference = loop.submit()
    loop.at(loop.deadline(reference, Step.REMIND))
    loop.run_clock()  # only a reminder: Stefan has not had it
    sent = len(loop.mailer.sent)

    loop.erase(reference)

    assert loop.emails(sent) == [(ANNA, EmailKind.ERASED_FOR_CONTACT)]


def test_no_note_goes_to_an_address_that_bounced(loop: Loop) -> None:
    reference = loop.submit()
    loop.erase(reference)
    record = loop.record(reference)
    deputy = replace(record.recipient, contact_key="deputy", email="deputy@example.org")
    failed_over = replace(record, sent=record.sent | {EmailKind.ESCALATED}, escalations=(
        Escalation(Step.ESCALATE, to=deputy, previous=record.recipient, at=record.received_at,
                   not_claimed_by=(record.recipient.name,), working_days=0,
                   topic_label="Bildung", reason=EscalationReason.BOUNCED),))

    assert erasure_notes(record) == {EmailKind.ERASED_FOR_CONTACT: record.recipient}
    assert erasure_notes(failed_over) == {EmailKind.ERASED_FOR_DEPUTY: deputy}


# What stops


def test_after_erasure_no_reminder_escalation_or_confirmation_goes_out_however_far_the_clock_moves(
    loop: Loop,
) -> None:
    reference = loop.submit()
    loop.erase(reference)
    sent = len(loop.mailer.sent)

    for days in (1, 7, 8, 30, 170):
        loop.at(TUESDAY_9_AM + timedelta(days=days))
        loop.run_clock()

    assert loop.emails(sent) == []
    assert loop.store.due(TUESDAY_9_AM + timedelta(days=400), 100) == []


def test_once_erased_only_the_notes_are_asked_for_nothing_else_unsent() -> None:
    loop = Loop()
    reference = loop.submit()
    record = with_every_email(loop.record(reference))
    erased = replace(record, erased_at=loop.clock(), sent=frozenset({EmailKind.STAFF}))

    assert emails_asked(erased) == (EmailKind.ERASED_FOR_CONTACT,)


def test_erasing_before_the_confirmation_went_out_sends_no_confirmation() -> None:
    queue = RecordingQueue()
    loop = Loop(queue=queue)
    fields = {"email": RESIDENT, "topic": "education", "message": "Kita?", "language": "en",
              "form_token": loop.tokens.issue(loop.clock().timestamp())}
    record = loop.intake.accept(fields, default_language="en", client_address="192.0.2.1")
    queue.sent.clear()  # its message is still on its way

    loop.erase(record.reference)

    assert loop.mailer.sent == [], "nobody received it: no note, no confirmation"


# Twice, and refused


def test_erasing_twice_sends_the_notes_once_and_shows_the_same_page(loop: Loop) -> None:
    reference = loop.submit()
    loop.erase(reference)
    sent = len(loop.mailer.sent)

    again = loop.erasure.erase(reference, loop.status_token(reference))
    loop.deliver()

    assert again is not None and again.erased_at is not None
    assert loop.emails(sent) == []


def test_a_wrong_token_changes_nothing_and_reads_nothing(loop: Loop) -> None:
    reference = loop.submit()
    before = loop.record(reference)
    good_token = loop.status_token(reference)
    loop.store.unavailable = True  # any read or write would raise

    assert loop.erasure.erase(reference, "1.AAAAAAAAAAAAAAAAAAAAAA") is None
    assert loop.erasure.look(reference, "") is None
    assert loop.erasure.erase("not-a-reference", good_token) is None

    loop.store.unavailable = False
    assert loop.record(reference) == before


def test_an_unknown_or_expired_inquiry_cannot_be_erased() -> None:
    store = InMemoryInquiryStore()
    loop = Loop(store=store)
    reference = loop.submit()
    token = loop.status_token(reference)
    unknown = "ZZZZ-ZZZZ"
    unknown_token = LINKS.status.tokens.issue(unknown, loop.clock() + timedelta(days=30))
    erasure = Erasure(store=store, tokens=LINKS.status.tokens, queue=RecordingQueue(),
                      clock=loop.clock)

    assert erasure.erase(unknown, unknown_token) is None
    loop.clock.advance(seconds=181 * 86400)
    assert erasure.erase(reference, token) is None


def test_looking_at_the_confirmation_page_changes_nothing(loop: Loop) -> None:
    reference = loop.submit()
    before = loop.record(reference)

    view = loop.erasure.look(reference, loop.status_token(reference))

    assert view is not None and view.erased_at is None
    assert loop.record(reference) == before
    assert loop.queue.sent == []


def test_when_the_queue_is_down_the_erasure_stands_and_the_sweep_sends_the_notes(
    loop: Loop, caplog: pytest.LogCaptureFixture,
) -> None:
    reference = loop.submit()
    loop.queue.unavailable = True
    caplog.set_level(logging.INFO, logger="wegweiser")

    assert loop.erasure.erase(reference, loop.status_token(reference)) is not None

    assert Event.ERASURE_NOT_QUEUED in events(caplog)
    assert loop.record(reference).erased_at is not None
    assert loop.store.stalled(loop.clock() + timedelta(minutes=11)) == [reference]


def test_a_note_for_a_deputy_the_inquiry_never_went_to_cannot_be_built(loop: Loop) -> None:
    reference = loop.submit()
    loop.erase(reference)

    with pytest.raises(ValueError, match="has no escalation"):
        build_email(EmailKind.ERASED_FOR_DEPUTY, loop.record(reference),
                    Sender("noreply@wegweiser.example", "Wegweiser"), LINKS, now=loop.clock())
