"""Sending whatever emails an inquiry's state asks for, each at most once per successful send.

At first the staff email and the resident's confirmation; later what the clock asked
for (a reminder, an escalation and its note, core/escalation.py): the clock only
writes the state and queues the reference, and this sends what is missing.

Email is at-least-once (SES has no idempotency key): a per-email lease stops two
workers from sending the same email at once, and a mark after each send keeps a
redelivered message from sending it again. What SES refuses for good is marked
failed and alarmed at once, not retried until the dead-letter queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta

from chalicelib.core.confirmations import ConfirmationPolicy
from chalicelib.core.delivery_message import reference_of
from chalicelib.core.emails import Sender, build_email
from chalicelib.core.links import Links
from chalicelib.core.ports import Clock, InquiryStore, Mailer, SendError
from chalicelib.core.records import Confirmation, EmailKind, InquiryRecord, emails_asked
from chalicelib.core.telemetry import Event, emit

# How long one worker may hold an email before another may try it. Longer than a
# send takes, shorter than the queue's visibility timeout.
EMAIL_LEASE = timedelta(seconds=60)


@dataclass
class Delivery:
    store: InquiryStore
    mailer: Mailer
    sender: Sender
    confirmations: ConfirmationPolicy
    clock: Clock
    links: Links  # the claim links of staff emails, the status link of the confirmation

    def deliver(self, reference: str) -> None:
        """Send each email the inquiry asks for that is neither sent nor refused for good.

        Raises SendError (one that retrying can help), StoreUnavailable or
        EmailInProgress when the caller should try again later.
        """
        record = self.store.get(reference, self.clock())
        if record is None:
            emit(Event.NOTHING_TO_DELIVER, "inquiry %s unknown or expired: nothing to deliver",
                 reference, reference=reference)
            return
        record = self._with_confirmation_decided(record)
        # A withheld confirmation is not asked for (the staff email says why); nor is
        # what the clock asked for once somebody claimed the inquiry.
        for kind in emails_asked(record):
            if kind in record.sent or kind in record.failed:
                continue
            if kind is EmailKind.FOLLOW_UP and self._follow_up_refused(record):
                continue
            if not self.store.claim_email(reference, kind, self.clock(), EMAIL_LEASE):
                continue
            outgoing = build_email(kind, record, self.sender, self.links, now=self.clock())
            try:
                message_id = self.mailer.send(outgoing.message, to=outgoing.to, cc=outgoing.cc,
                                              tags={"reference": reference, "kind": kind})
            except SendError as error:
                if not error.retry_can_help:
                    # Sending it again cannot succeed: record why, tell a person now,
                    # and go on with the other email instead of circling the queue.
                    self.store.mark_failed(reference, kind, str(error), self.clock())
                    emit(Event.EMAIL_REFUSED, "inquiry %s: %s email refused for good (%s); "
                         "not retried", reference, kind, error, reference=reference,
                         kind=kind, outcome=str(error))
                    continue
                self.store.release_email(reference, kind)
                emit(Event.SENDING_PAUSED if error.alarm else Event.EMAIL_NOT_SENT,
                     "inquiry %s: %s email not sent (%s), will retry", reference, kind, error,
                     reference=reference, kind=kind, outcome=str(error))
                raise
            self.store.mark_sent(reference, kind, message_id, self.clock())
            emit(Event.EMAIL_SENT, "inquiry %s: %s email sent", reference, kind,
                 reference=reference, kind=kind)
        self.store.mark_delivered(reference, record.steps_taken)

    def _follow_up_refused(self, record: InquiryRecord) -> bool:
        """No follow-up to an address that complained or bounced since the confirmation
        (the record knows only of a bounce of the confirmation itself): marked failed
        with the reason, so it is never tried again. CounterUnavailable propagates."""
        refused = self.confirmations.refused(record.inquiry.email, self.clock())
        if refused is None:
            return False
        self.store.mark_failed(record.reference, EmailKind.FOLLOW_UP, f"withheld: {refused}",
                               self.clock())
        emit(Event.FOLLOW_UP_WITHHELD, "inquiry %s: no follow-up to the resident (%s)",
             record.reference, refused, reference=record.reference, outcome=refused)
        return True

    def _with_confirmation_decided(self, record: InquiryRecord) -> InquiryRecord:
        """Decide once, before the staff email, whether the resident is confirmed: the
        staff email then tells the contact person when they are not (never once erased:
        there is no address left to decide on)."""
        if record.confirmation is not None or record.erased_at is not None:
            return record
        decision = self.confirmations.decide(record.inquiry.email, self.clock())
        settled = self.store.settle_confirmation(record.reference, decision)
        if settled is not Confirmation.SEND:
            emit(Event.CONFIRMATION_WITHHELD, "inquiry %s: no confirmation to the resident "
                 "(%s)", record.reference, settled, reference=record.reference,
                 outcome=settled)
        return replace(record, confirmation=settled)


def deliver_batch(messages: Iterable[tuple[str, str]], delivery: Delivery) -> list[str]:
    """Deliver each (message id, body) of a queue batch; the ids that must come back.

    A failed message returns to the queue (Lambda's ReportBatchItemFailures), is tried
    again after the visibility timeout, and moves to the dead-letter queue after the
    queue's maxReceiveCount: what fails for a reason nobody foresaw ends there, visibly.
    """
    failed = []
    for message_id, body in messages:
        try:
            delivery.deliver(reference_of(body))
        except Exception as error:
            emit(Event.DELIVERY_RETURNED, "message %s returned to the queue: %s", message_id,
                 type(error).__name__, outcome=type(error).__name__)
            failed.append(message_id)
    return failed
