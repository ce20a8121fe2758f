"""Claim links and the clock's state for tests of the emails: the links a unit test's
emails carry, a record as the clock leaves it after every step it can take, and the
report SES sends when one of them bounces."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from chalicelib.core.claims import ClaimLinks, ClaimTokens
from chalicelib.core.follow_up import AnswerLinks, AnswerTokens
from chalicelib.core.links import Links
from chalicelib.core.records import Escalation, InquiryRecord, Recipient, Step
from chalicelib.core.status import StatusLinks, StatusTokens

CLAIM_KEY = b"a key for claim links in tests"
BASE_URL = "https://wegweiser.example/api/"
STATUS_KEY = b"a key for status links in tests"
ANSWER_KEY = b"a key for answer links in tests"
LINKS = Links(claim=ClaimLinks(ClaimTokens(CLAIM_KEY), BASE_URL),
              status=StatusLinks(StatusTokens(STATUS_KEY), BASE_URL),
              answer=AnswerLinks(AnswerTokens(ANSWER_KEY), BASE_URL))

DEPUTY = Recipient(contact_key="deputy", name="Dora Deputy", email="deputy@example.org",
                   organisation="Stadt Flensburg, Amt für Integration", staff_language="de")
LEAD = Recipient(contact_key="lead", name="Lea Lead", email="lead@example.org",
                 organisation="Integration in Flensburg e.V.", staff_language="de")


def with_every_email(
    record: InquiryRecord, deputy: Recipient = DEPUTY, lead: Recipient = LEAD
) -> InquiryRecord:
    """The record reminded and escalated twice, so that it asks for every kind of email
    (the new holders in the first contact's staff language)."""
    staff = record.recipient.staff_language
    deputy = replace(deputy, staff_language=staff)
    lead = replace(lead, staff_language=staff)
    label = record.topic_labels.get(staff, "")
    first = Escalation(Step.ESCALATE, to=deputy, previous=record.recipient,
                       at=record.received_at + timedelta(days=7),
                       not_claimed_by=(record.recipient.name,),
                       working_days=record.response_days, topic_label=label)
    second = Escalation(Step.ESCALATE_AGAIN, to=lead, previous=deputy,
                        at=record.received_at + timedelta(days=8),
                        not_claimed_by=(record.recipient.name, deputy.name),
                        working_days=record.response_days + 1, topic_label=label)
    return replace(record, reminded_at=record.received_at + timedelta(days=1),
                   escalations=(first, second),
                   resident_bounced_at=record.received_at + timedelta(hours=1))


def ses_bounce(address: str, *, reference: str | None = None, kind: str | None = None,
               bounce_type: str = "Permanent") -> str:
    """An SES v2 event-publishing report (the SNS message) of a bounce, with the send's
    EmailTags as SES returns them: each a list of values."""
    tags = {name: [value] for name, value in (("reference", reference), ("kind", kind))
            if value is not None}
    return json.dumps({
        "eventType": "Bounce",
        "bounce": {"bounceType": bounce_type, "bounceSubType": "General",
                   "bouncedRecipients": [{"emailAddress": address, "action": "failed",
                                          "status": "5.1.1"}]},
        "mail": {"messageId": "0100-test", "destination": [address], "tags": tags},
    })
