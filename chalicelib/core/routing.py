"""The routing model: who receives which inquiry on which day, and why.

Pure frozen data and one decision function. The admin's TOML file is read and
checked in routing_file.py; the rules here are what `wegweiser route` explains:

1. An unknown topic goes to the fallback topic.
2. Of the topic's contacts, those absent that day are skipped, and those whose address
   bounced for good lately (they count as absent for a week, core/ses_feedback.py).
3. Of those left, the first who speaks the resident's language is chosen, else the first.
4. If all are absent, the topic's deputy receives the inquiry.
5. If the deputy is absent too, the fallback topic decides (this is a config problem
   that `wegweiser check` reports, so it should never happen).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

DEFAULT_RETENTION_DAYS = 180
DEFAULT_RESPONSE_DAYS = 5
DEFAULT_REMIND_AFTER_DAYS = 1


@dataclass(frozen=True)
class Organisation:
    key: str
    name: str
    # When and where a resident can come in person, by language ({} if not given): the
    # thank-you page shows it to whoever asked to be answered in person.
    office_hours: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Contact:
    key: str
    name: str
    role: str
    email: str
    organisation: Organisation
    staff_language: str  # the language of the emails this person receives
    languages: tuple[str, ...]  # the languages this person can answer in


@dataclass(frozen=True)
class Absence:
    contact: str  # a contact key
    first_day: date
    last_day: date

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True)
class Topic:
    key: str
    labels: Mapping[str, str]
    contacts: tuple[Contact, ...]
    deputy: Contact | None = None
    cc: tuple[str, ...] = ()  # addresses that get a copy of the staff email
    retention_days: int = DEFAULT_RETENTION_DAYS  # then the stored inquiry is deleted
    response_days: int = DEFAULT_RESPONSE_DAYS  # working days until an answer, usually
    next_steps: Mapping[str, str] | None = None  # a short "what happens next", by language
    urgent_hint: Mapping[str, str] | None = None  # shown on the form, by language
    # Its inquiries usually hold health data (Art. 9 GDPR): the resident must consent.
    special_category: bool = False

    def label(self, language: str) -> str:
        return self.labels[language]


class PartnerRole(StrEnum):
    """How an organisation that receives inquiries stands to the controller (GDPR)."""

    SEPARATE = "separate"  # answers on its own responsibility: a controller itself
    JOINT = "joint"  # jointly responsible with the controller (Art. 26)
    PROCESSOR = "processor"  # acts for the controller, on its instructions (Art. 28)


@dataclass(frozen=True)
class Privacy:
    """What the privacy notice (Art. 13 GDPR) says that is the city's to fill in."""

    controller: Organisation  # the organisation of the file that is the controller
    legal_entity: str  # the controller as a legal person: "Stadt Flensburg", not an office
    address: str
    email: str  # a mailbox of the office, not a person's
    dpo_address: str  # the data protection officer (Art. 13(1)(b))
    dpo_email: str
    legal_basis: str  # the national provision Art. 6(1)(e) rests on, e.g. § 3 LDSG SH
    # Every other organisation of the file, and how it stands to the controller.
    partners: Mapping[str, PartnerRole] = field(default_factory=dict)


class Compliance(StrEnum):
    """The state of compliance an accessibility statement declares."""

    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


@dataclass(frozen=True)
class Accessibility:
    """What the accessibility statement (BITV 2.0 § 12a) says that is the city's to fill in."""

    compliance: Compliance
    law: str  # the rules the statement answers to, as the city cites them
    prepared_on: date  # when the statement was prepared or last reviewed
    feedback_email: str  # whom to write when something is not accessible
    enforcement_body: str  # where to turn when that does not help
    enforcement_address: str


@dataclass(frozen=True)
class Placeholder:
    """A value of [privacy] or [accessibility] still marked "PLACEHOLDER:" in the file:
    shipped as an example, to be confirmed or replaced by the city before going live."""

    path: str  # dotted, such as "privacy.dpo_email"
    value: str  # the value without the marker
    line: int | None = field(default=None, compare=False)  # known once read from a text


@dataclass(frozen=True)
class RoutingConfig:
    organisations: Mapping[str, Organisation]
    contacts: Mapping[str, Contact]
    topics: Mapping[str, Topic]  # in the order the form lists them
    fallback_topic: str
    privacy: Privacy
    accessibility: Accessibility
    absences: tuple[Absence, ...] = ()
    placeholders: tuple[Placeholder, ...] = ()  # in the order of the file
    # Working days after receipt until an unclaimed inquiry's contact is reminded (no
    # reminder for a topic whose response_days are not above it).
    remind_after_days: int = DEFAULT_REMIND_AFTER_DAYS
    # Who receives an inquiry that neither its contact nor the topic's deputy claimed,
    # one working day after the deputy got it; None: nobody, an alarm instead.
    escalation_contact: Contact | None = None
    # Who receives the monthly anonymous statistics ([reports] recipients); none: no report.
    report_recipients: tuple[Contact, ...] = ()

    def is_absent(self, contact: Contact, day: date) -> bool:
        return any(a.contact == contact.key and a.covers(day) for a in self.absences)

    def away(
        self, contact: Contact, day: date, unreachable: Mapping[str, datetime] | None = None
    ) -> str | None:
        """Why the contact cannot receive an inquiry on that day, or None if they can:
        absent in [[absences]], or their address bounced (until the given end)."""
        if self.is_absent(contact, day):
            return f"{contact.key} is absent on {day.isoformat()}"
        until = (unreachable or {}).get(contact.key)
        if until is not None:
            return (f"{contact.key}'s address bounced: counted as absent until "
                    f"{until.isoformat(timespec='minutes')}")
        return None


@dataclass(frozen=True)
class RoutingDecision:
    topic: Topic
    contact: Contact
    reasons: tuple[str, ...]  # the rules that decided, in words an admin reads


def route_inquiry(
    config: RoutingConfig, topic_key: str, language: str, on: date,
    unreachable: Mapping[str, datetime] | None = None,
) -> RoutingDecision:
    """Choose the contact person for an inquiry about `topic_key`, in `language`, on a day;
    `unreachable`: the contacts whose address bounced lately, with when that ends."""
    reasons: list[str] = []
    topic = config.topics.get(topic_key)
    if topic is None:
        topic = config.topics[config.fallback_topic]
        reasons.append(f"topic {topic_key!r} does not exist: fallback topic {topic.key!r}")
    return _choose(config, topic, language, on, reasons, fallen_back=topic_key != topic.key,
                   unreachable=unreachable or {})


def _choose(
    config: RoutingConfig, topic: Topic, language: str, on: date, reasons: list[str],
    fallen_back: bool, unreachable: Mapping[str, datetime],
) -> RoutingDecision:
    present = []
    for contact in topic.contacts:
        if (why := config.away(contact, on, unreachable)) is not None:
            reasons.append(why)
        else:
            present.append(contact)
    if present:
        speakers = [c for c in present if language in c.languages]
        if speakers and speakers[0] is not present[0]:
            contact = speakers[0]
            reasons.append(f"{contact.key} is the first contact of {topic.key!r} present "
                           f"who speaks {language}")
        else:
            contact = present[0]
            reasons.append(f"{contact.key} is the first contact of topic {topic.key!r} present")
        return RoutingDecision(topic, contact, tuple(reasons))
    deputy = topic.deputy
    deputy_away = None if deputy is None else config.away(deputy, on, unreachable)
    if deputy is not None and deputy_away is None:
        reasons.append(f"{deputy.key} is the deputy of topic {topic.key!r}")
        return RoutingDecision(topic, deputy, tuple(reasons))
    if deputy_away is not None:
        reasons.append(f"the deputy {deputy_away} too")
    fallback = config.topics[config.fallback_topic]
    if fallen_back or fallback is topic:
        # Nobody at all: the first contact still gets it, rather than nobody.
        reasons.append(f"nobody of {topic.key!r} is present: {topic.contacts[0].key} anyway")
        return RoutingDecision(topic, topic.contacts[0], tuple(reasons))
    reasons.append(f"nobody of {topic.key!r} is present: fallback topic {fallback.key!r}")
    decision = _choose(config, fallback, language, on, reasons, fallen_back=True,
                       unreachable=unreachable)
    return RoutingDecision(topic, decision.contact, decision.reasons)
