"""Accepting an inquiry: count the client, check the fields and the form token, route,
store, queue its delivery.

One durable write decides acceptance: when `accept` returns, the inquiry is stored,
with the first step of its clock (a reminder or an escalation, core/escalation.py).
Logs name references and outcomes only, never an address, a name or a message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from chalicelib.core import statistics
from chalicelib.core.escalation import start_clock, unreachable_now
from chalicelib.core.form_token import FormTokens
from chalicelib.core.inquiry import HONEYPOT, Inquiry, InvalidInquiry, TokenProblem, check_inquiry
from chalicelib.core.local_time import flensburg_time
from chalicelib.core.ports import (
    Clock,
    DeliveryQueue,
    InquiryStore,
    QueueUnavailable,
    ReferenceTaken,
    UnreachableContacts,
)
from chalicelib.core.rate_limit import RateLimit
from chalicelib.core.records import InquiryRecord, Recipient
from chalicelib.core.references import reference_from
from chalicelib.core.routing import RoutingConfig, RoutingDecision, route_inquiry
from chalicelib.core.telemetry import Event, emit


@dataclass
class InquiryIntake:
    """Accepting an inquiry: check it, route it, store it, queue its delivery."""

    current_routing: Callable[[], RoutingConfig]  # read per request: admins change it live
    tokens: FormTokens
    store: InquiryStore
    queue: DeliveryQueue
    rate_limit: RateLimit
    clock: Clock
    languages: tuple[str, ...]
    # Contacts whose address bounced lately: passed by like an absent one.
    unreachable: UnreachableContacts

    def accept(
        self, fields: Mapping[str, object], *, default_language: str, client_address: str
    ) -> InquiryRecord:
        """Store the inquiry and queue its emails.

        RateLimited when the client sent too many this hour, InvalidInquiry when it
        breaks a rule, StoreUnavailable when it could not be stored: in each case
        nothing was stored and nothing queued.
        """
        now = self.clock()
        self.rate_limit.check(client_address, now)
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
                consent_topics=[key for key, topic in routing.topics.items()
                                if topic.special_category],
            )
        except InvalidInquiry as invalid:
            # "Too fast" is no news to someone who must correct a field anyway: the
            # token they keep will be old enough by then.
            if token_problem and token_problem != TokenProblem.TOO_FAST:
                invalid.errors["form_token"] = token_problem
            raise
        if token_problem or not isinstance(token, str):
            raise InvalidInquiry({"form_token": token_problem or TokenProblem.MISSING})

        # The reference follows from the form token: the same form sent twice (a double
        # click, a retried request) meets its own first write and gets the same answer.
        record, decision = self._route(routing, inquiry, now,
                                       reference_from(self.tokens.reference_seed(token)))
        if fields.get(HONEYPOT):
            # Only a bot fills a field nobody can see: it gets the answer a person would
            # get (the same reference for the same form, too), and nothing is stored or sent.
            emit(Event.HONEYPOT_FILLED, "honeypot filled: nothing stored")
            return record
        try:
            tally = statistics.received(record)
            self.store.add(record, tally)
            if tally:
                record = replace(record, counted=tally.columns)
        except ReferenceTaken:
            first = self.store.get(record.reference, now)
            if first is None or first.inquiry != inquiry:
                raise InvalidInquiry({"form_token": TokenProblem.USED}) from None
            emit(Event.INQUIRY_SENT_AGAIN, "inquiry %s sent again with the same form: "
                 "answered once more", record.reference, reference=record.reference)
            return first
        # The routing decision's reasons name topic and contact keys only: why this
        # contact (absent colleagues, a bounced address passed by) stays findable.
        emit(Event.INQUIRY_ACCEPTED, "inquiry %s accepted", record.reference,
             reference=record.reference, topic=record.inquiry.topic,
             contact=record.recipient.contact_key, routed="; ".join(decision.reasons))
        try:
            self.queue.send(record.reference)
        except QueueUnavailable:
            # Stored is accepted: the sweep queues it after its grace period.
            emit(Event.INQUIRY_NOT_QUEUED, "inquiry %s stored but not queued; the sweep "
                 "will queue it", record.reference, reference=record.reference)
        return record

    def _route(
        self, routing: RoutingConfig, inquiry: Inquiry, now: datetime, reference: str
    ) -> tuple[InquiryRecord, RoutingDecision]:
        decision = route_inquiry(routing, inquiry.topic, inquiry.language,
                                 flensburg_time(now).date(),
                                 unreachable_now(self.unreachable, now))
        contact = decision.contact
        record = InquiryRecord(
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
                speaks_resident_language=inquiry.language in contact.languages,
            ),
            topic_labels={
                language: decision.topic.label(language)
                for language in {contact.staff_language, inquiry.language}
            },
            retention_days=decision.topic.retention_days,
            response_days=decision.topic.response_days,
            next_steps=(decision.topic.next_steps or {}).get(inquiry.language, ""),
            consent_at=now if inquiry.consent else None,
        )
        # Unclaimed, it is reminded and escalated in working days from now.
        return start_clock(record, routing.remind_after_days), decision
