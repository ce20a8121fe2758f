"""Sending an inquiry's two emails, each at most once per successful send.

Email is at-least-once (SES has no idempotency key): a per-email lease stops two
workers from sending the same email at once, and a mark after each send keeps a
redelivered message from sending it again. What SES refuses for good is marked
failed and alarmed at once, not retried until the dead-letter queue.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from chalicelib.core.delivery_message import reference_of
from chalicelib.core.emails import Sender, build_email
from chalicelib.core.ports import Clock, InquiryStore, Mailer, SendError
from chalicelib.core.records import EMAIL_KINDS

log = logging.getLogger("wegweiser")

# How long one worker may hold an email before another may try it. Longer than a
# send takes, shorter than the queue's visibility timeout.
EMAIL_LEASE = timedelta(seconds=60)


@dataclass
class Delivery:
    store: InquiryStore
    mailer: Mailer
    sender: Sender
    clock: Clock

    def deliver(self, reference: str) -> None:
        """Send whichever of the two emails is neither sent nor refused for good yet.

        Raises SendError (one that retrying can help), StoreUnavailable or
        EmailInProgress when the caller should try again later.
        """
        record = self.store.get(reference, self.clock())
        if record is None:
            log.warning("inquiry %s unknown or expired: nothing to deliver", reference)
            return
        for kind in EMAIL_KINDS:
            if kind in record.sent or kind in record.failed or not self.store.claim_email(
                reference, kind, self.clock(), EMAIL_LEASE
            ):
                continue
            outgoing = build_email(kind, record, self.sender)
            try:
                message_id = self.mailer.send(outgoing.message, to=outgoing.to, cc=outgoing.cc)
            except SendError as error:
                if not error.retry_can_help:
                    # Sending it again cannot succeed: record why, tell a person now,
                    # and go on with the other email instead of circling the queue.
                    self.store.mark_failed(reference, kind, str(error), self.clock())
                    log.error("ALARM inquiry %s: %s email refused for good (%s); "
                              "not retried", reference, kind, error)
                    continue
                self.store.release_email(reference, kind)
                log.log(logging.ERROR if error.alarm else logging.WARNING,
                        "%sinquiry %s: %s email not sent (%s), will retry",
                        "ALARM " if error.alarm else "", reference, kind, error)
                raise
            self.store.mark_sent(reference, kind, message_id, self.clock())
            log.info("inquiry %s: %s email sent", reference, kind)
        self.store.mark_delivered(reference)


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
            log.warning("message %s returned to the queue: %s", message_id, type(error).__name__)
            failed.append(message_id)
    return failed
