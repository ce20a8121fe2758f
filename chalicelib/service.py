"""The service layer: accept an inquiry, deliver its emails, sweep up what got stuck.

Each use case takes its collaborators (store, queue, mailer, clock) from the
constructor, so tests hand in emulator-backed or fake ones. Logs name references
and outcomes only, never an address, a name or a message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.delivery_queue import DeliveryQueue, QueueUnavailable
from chalicelib.emails import Sender, build_email
from chalicelib.form_token import FormTokens
from chalicelib.inquiry import HONEYPOT, Inquiry, InvalidInquiry, check_inquiry
from chalicelib.mailer import Mailer, SendError
from chalicelib.records import EMAIL_KINDS, InquiryRecord, Recipient
from chalicelib.references import new_reference, reference_from
from chalicelib.routing import RoutingConfig, flensburg_time, route_inquiry
from chalicelib.store import InquiryStore, ReferenceTaken

log = logging.getLogger("wegweiser")

Clock = Callable[[], datetime]

# How often the sweep queues one inquiry again before it gives up (and alarms).
MAX_SWEEPS = 3

# How long one worker may hold an email before another may try it. Longer than a
# send takes, shorter than the queue's visibility timeout.
EMAIL_LEASE = timedelta(seconds=60)


@dataclass
class InquiryIntake:
    """Accepting an inquiry: check it, route it, store it, queue its delivery."""

    current_routing: Callable[[], RoutingConfig]  # read per request: admins change it live
    tokens: FormTokens
    store: InquiryStore
    queue: DeliveryQueue
    clock: Clock
    languages: tuple[str, ...]

    def accept(self, fields: Mapping[str, object], *, default_language: str) -> InquiryRecord:
        """Store the inquiry and queue its emails; InvalidInquiry if it breaks a rule.

        StoreUnavailable propagates: then nothing was stored and nothing queued.
        """
        now = self.clock()
        routing = self.current_routing()
        token = fields.get("form_token")
        token_problem = self.tokens.problem(token if isinstance(token, str) else "",
                                            now.timestamp())
        try:
            inquiry = check_inquiry(
                fields,
                topics=routing.topics.keys(),
                languages=self.languages,
                default_language=default_language,
            )
        except InvalidInquiry as invalid:
            # "Too fast" is no news to someone who must correct a field anyway: the
            # token they keep will be old enough by then.
            if token_problem and token_problem != "token_too_fast":  # noqa: S105 - a code
                invalid.errors["form_token"] = token_problem
            raise
        if token_problem or not isinstance(token, str):
            raise InvalidInquiry({"form_token": token_problem or "token_missing"})

        if fields.get(HONEYPOT):
            # Only a bot fills a field nobody can see: it gets a normal-looking answer,
            # and nothing is stored or sent.
            log.info("honeypot filled: nothing stored")
            return self._route(routing, inquiry, now, new_reference())

        # The reference follows from the form token: the same form sent twice (a double
        # click, a retried request) meets its own first write and gets the same answer.
        record = self._route(routing, inquiry, now,
                             reference_from(self.tokens.reference_seed(token)))
        try:
            self.store.add(record)
        except ReferenceTaken:
            first = self.store.get(record.reference, now)
            if first is None or first.inquiry != inquiry:
                raise InvalidInquiry({"form_token": "token_used"}) from None
            log.info("inquiry %s sent again with the same form: answered once more",
                     record.reference)
            return first
        log.info("inquiry %s accepted", record.reference)
        try:
            self.queue.send(record.reference)
        except QueueUnavailable:
            # Stored is accepted: the sweep queues it after its grace period.
            log.warning("inquiry %s stored but not queued; the sweep will queue it",
                        record.reference)
        return record

    def _route(
        self, routing: RoutingConfig, inquiry: Inquiry, now: datetime, reference: str
    ) -> InquiryRecord:
        decision = route_inquiry(routing, inquiry.topic, inquiry.language,
                                 flensburg_time(now).date())
        contact = decision.contact
        return InquiryRecord(
            reference=reference,
            received_at=now,
            inquiry=inquiry,
            recipient=Recipient(
                contact_key=contact.key,
                name=contact.name,
                email=contact.email,
                organisation=contact.organisation.name,
                staff_language=contact.staff_language,
                cc=decision.topic.cc,
            ),
            topic_labels={
                language: decision.topic.label(language)
                for language in {contact.staff_language, inquiry.language}
            },
            retention_days=decision.topic.retention_days,
            response_days=decision.topic.response_days,
            next_steps=(decision.topic.next_steps or {}).get(inquiry.language, ""),
        )


@dataclass
class Delivery:
    """Sending an inquiry's two emails, each at most once per successful send."""

    store: InquiryStore
    mailer: Mailer
    sender: Sender
    clock: Clock

    def deliver(self, reference: str) -> None:
        """Send whichever of the two emails is not sent yet.

        Raises SendError, StoreUnavailable or EmailInProgress when the caller should
        try again later (a SendError whose retry_can_help is False will not succeed).
        """
        record = self.store.get(reference, self.clock())
        if record is None:
            log.warning("inquiry %s unknown or expired: nothing to deliver", reference)
            return
        for kind in EMAIL_KINDS:
            if kind in record.sent or not self.store.claim_email(
                reference, kind, self.clock(), EMAIL_LEASE
            ):
                continue
            outgoing = build_email(kind, record, self.sender)
            try:
                message_id = self.mailer.send(outgoing.message, to=outgoing.to, cc=outgoing.cc)
            except SendError as error:
                self.store.release_email(reference, kind)
                log.log(
                    logging.ERROR if error.alarm else logging.WARNING,
                    "%sinquiry %s: %s email not sent (%s, %s)",
                    "ALARM " if error.alarm else "", reference, kind, error,
                    "will retry" if error.retry_can_help else "retrying cannot help",
                )
                raise
            self.store.mark_sent(reference, kind, message_id, self.clock())
            log.info("inquiry %s: %s email sent", reference, kind)
        self.store.mark_delivered(reference)


@dataclass
class Sweep:
    """Queue again what was stored but not delivered after a grace period."""

    store: InquiryStore
    queue: DeliveryQueue
    clock: Clock
    grace: timedelta

    def requeue_stalled(self) -> int:
        """Queue again each stalled inquiry, at most MAX_SWEEPS times; how many were queued."""
        now = self.clock()
        queued = 0
        for reference in self.store.stalled(received_before=now - self.grace):
            sweeps = self.store.count_sweep(reference, now, self.grace, MAX_SWEEPS)
            if not sweeps:
                continue
            self.queue.send(reference)
            queued += 1
            if sweeps == MAX_SWEEPS:
                log.error("ALARM inquiry %s still undelivered: queued again for the last time; "
                          "see the dead-letter queue", reference)
        if queued:
            log.warning("%d stalled inquiries queued again", queued)
        return queued
