"""The stored shape of an accepted inquiry: what was asked, who receives it, what was sent.

The routing decision is kept with the inquiry, so the emails name the contact person
and the topic that the resident was shown, even if the routing changes in between.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from chalicelib.core.inquiry import Inquiry


class EmailKind(StrEnum):
    """The two emails every inquiry leads to, in the order they are sent."""

    STAFF = "staff"
    RESIDENT = "resident"


EMAIL_KINDS = tuple(EmailKind)


class Confirmation(StrEnum):
    """Whether the resident gets a confirmation, decided once before the first email.

    The form lets anyone type any address: a confirmation is withheld from an address
    that got several today, bounced for good or complained (complaints put the whole
    SES account at risk, and with it the staff emails). The staff email says so.
    """

    SEND = "send"
    TOO_MANY = "too_many"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


@dataclass(frozen=True)
class Recipient:
    """The contact person an inquiry was routed to, as they were when it arrived."""

    contact_key: str
    name: str
    email: str
    organisation: str
    staff_language: str
    cc: tuple[str, ...] = ()  # addresses that get a copy of the staff email
    # False when no contact present for the topic spoke the resident's language that
    # day: the answer may then come in another one (the thank-you page says so).
    speaks_resident_language: bool = True


@dataclass(frozen=True)
class InquiryRecord:
    reference: str
    received_at: datetime
    inquiry: Inquiry
    recipient: Recipient
    topic_labels: Mapping[str, str]  # by language: the staff's and the resident's
    retention_days: int
    response_days: int  # working days until an answer, usually
    next_steps: str  # the topic's "what happens next" in the resident's language, or ""
    sent: frozenset[EmailKind] = field(default_factory=frozenset)
    # Emails SES refused for good (retrying cannot help): never tried again.
    failed: frozenset[EmailKind] = field(default_factory=frozenset)
    confirmation: Confirmation | None = None  # None until delivery decides it
    # When the resident gave explicit consent (Art. 9(2)(a) GDPR), for a topic that asks
    # for it; None for every other topic. Kept with the inquiry, deleted with it.
    consent_at: datetime | None = None
