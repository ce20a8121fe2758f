"""The emails of an inquiry, as complete MIME messages (text and HTML parts).

The staff email and the resident's confirmation; then, from the clock, a reminder to
the contact, the escalated inquiry for a deputy or the escalation contact and a short
note to whoever had it before. Every email to a holder carries its own claim link,
as a button in the HTML part (a table cell with a background: Outlook's Word
renderer draws no CSS buttons) and as a plain address in the text part.

Built with the standard `email` package. No text typed by the resident ever goes
into a header: subjects name the reference, the topic, the language and contact
names from the routing; the resident's address appears only as the Reply-To of the
emails that carry the inquiry, after validation. The resident's confirmation does
not repeat their message (nor their name), so the form cannot be used to send chosen
text to a chosen address.
"""

from __future__ import annotations

import email.policy
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid

from chalicelib.core.inquiry import AnswerBy, shown_phone
from chalicelib.core.languages import LANGUAGES
from chalicelib.core.links import Links
from chalicelib.core.local_time import flensburg_time
from chalicelib.core.messages import CONFIRMATION_WITHHELD, language_name
from chalicelib.core.records import (
    ERASURE_NOTES,
    ESCALATION_EMAILS,
    Confirmation,
    EmailKind,
    Escalation,
    EscalationReason,
    InquiryRecord,
    Recipient,
)
from chalicelib.core.templating import catalog, render, translate
from chalicelib.core.working_days import working_days_between


@dataclass(frozen=True)
class Sender:
    email: str  # a verified SES identity
    name: str


@dataclass(frozen=True)
class OutgoingEmail:
    kind: EmailKind
    to: str
    message: Message
    cc: tuple[str, ...] = ()


def build_email(
    kind: EmailKind, record: InquiryRecord, sender: Sender, links: Links, *, now: datetime,
) -> OutgoingEmail:
    """The email of this kind for the inquiry as it stands, dated `now` (ValueError if
    the inquiry's state does not ask for it: an escalation email without its escalation)."""
    outgoing = _email_of_kind(kind, record, sender, links)
    outgoing.message["Date"] = format_datetime(now.astimezone(UTC))
    return outgoing


def _email_of_kind(
    kind: EmailKind, record: InquiryRecord, sender: Sender, links: Links
) -> OutgoingEmail:
    match kind:
        case EmailKind.STAFF:
            return _staff_email(kind, record, sender, links, record.recipient, None)
        case EmailKind.RESIDENT:
            return _resident_email(record, sender, links.status.url(record))
        case EmailKind.REMINDER:
            return _reminder(record, sender, links)
        case EmailKind.ESCALATED | EmailKind.ESCALATED_AGAIN:
            escalation = _escalation_of(kind, record)
            return _staff_email(kind, record, sender, links, escalation.to, escalation)
        case EmailKind.MOVED | EmailKind.MOVED_AGAIN:
            return _moved_note(kind, record, sender, links, _escalation_of(kind, record))
        case EmailKind.RESIDENT_UNREACHABLE:
            return _resident_unreachable(record, sender, links)
        case EmailKind.FOLLOW_UP:
            return _follow_up(record, sender, links)
        case (EmailKind.ERASED_FOR_CONTACT | EmailKind.ERASED_FOR_DEPUTY
              | EmailKind.ERASED_FOR_ESCALATION_CONTACT):
            return _erasure_note(kind, record, sender)


def _escalation_of(kind: EmailKind, record: InquiryRecord) -> Escalation:
    for step, kinds in ESCALATION_EMAILS.items():
        if kind in kinds and (escalation := record.escalation(step)) is not None:
            return escalation
    raise ValueError(f"inquiry {record.reference} has no escalation for a {kind} email")


def _received(record: InquiryRecord) -> str:
    return flensburg_time(record.received_at).strftime("%d.%m.%Y %H:%M")


def _to(holder: Recipient) -> str:
    return formataddr((_one_line(holder.name), holder.email), charset="utf-8")


def _staff_email(
    kind: EmailKind, record: InquiryRecord, sender: Sender, links: Links,
    holder: Recipient, escalation: Escalation | None,
) -> OutgoingEmail:
    """The whole inquiry for its holder: the first contact, or whom it was escalated to."""
    staff = holder.staff_language
    context = {
        "record": record,
        "topic_label": record.topic_label_for(holder),
        "language_name": language_name(record.inquiry.language, staff),
        "received_at": _received(record),
        "withheld": _withheld(record.confirmation, staff),
        "claim_url": links.claim.url(record, holder),
        "claim_hint": True,
        "escalated": _why_escalated(escalation, staff) if escalation else "",
        "phone": (shown_phone(record.inquiry.phone)
                  if record.inquiry.answer_by is AnswerBy.PHONE and record.inquiry.phone
                  else None),
        "in_person": record.inquiry.answer_by is AnswerBy.IN_PERSON,
    }
    subject = translate(staff, "Inquiry %(reference)s: %(topic)s (language: %(language)s)") % {
        "reference": record.reference,
        "topic": context["topic_label"],
        "language": context["language_name"],
    }
    if escalation is not None:
        subject = translate(staff, "Escalated: %(subject)s") % {"subject": subject}
    message = _message(
        sender,
        to=_to(holder),
        subject=subject,
        language=staff,
        text=render("email/staff.txt", staff, **context),
        html=render("email/staff.html", staff, subject=subject, **context),
    )
    # One click on "Reply" in Outlook answers the resident (unless the address is gone:
    # the loop closed, and a "no" passed the inquiry on with its reference and topic).
    if record.inquiry.email:
        message["Reply-To"] = record.inquiry.email
    message["Auto-Submitted"] = "auto-generated"
    if holder.cc:
        message["Cc"] = ", ".join(holder.cc)
    return OutgoingEmail(kind, holder.email, message, holder.cc)


def _why_escalated(escalation: Escalation, staff: str) -> str:
    """Why it came to this holder: „nicht übernommen von … innerhalb von … Arbeitstagen“,
    or the bounce of the previous holder's address."""
    if escalation.reason is EscalationReason.BOUNCED:
        return translate(staff, "Passed on to you: the email to %(name)s could not be "
                         "delivered, their address does not accept mail.") % {
            "name": escalation.previous.name}
    if escalation.reason is EscalationReason.NOT_ANSWERED:
        return translate(staff, "The resident reports: no answer received.")
    # Called as ngettext, so that Babel finds both forms for the catalogs.
    return catalog(staff).ngettext(
        "Escalated to you: not claimed by %(names)s within %(count)s working day.",
        "Escalated to you: not claimed by %(names)s within %(count)s working days.",
        escalation.working_days,
    ) % {"names": ", ".join(escalation.not_claimed_by), "count": escalation.working_days}


def _reminder(record: InquiryRecord, sender: Sender, links: Links) -> OutgoingEmail:
    """One reminder to the first contact (and the topic's copies): nobody claimed it."""
    holder = record.recipient
    staff = holder.staff_language
    reminded_at = record.reminded_at or record.received_at
    waited = max(1, working_days_between(record.received_at, reminded_at))
    subject = catalog(staff).ngettext(
        "Reminder: inquiry %(reference)s has been waiting for %(count)s working day",
        "Reminder: inquiry %(reference)s has been waiting for %(count)s working days",
        waited,
    ) % {"reference": record.reference, "count": waited}
    context = {
        "record": record,
        "topic_label": record.topic_label_for(holder),
        "language_name": language_name(record.inquiry.language, staff),
        "received_at": _received(record),
        "claim_url": links.claim.url(record, holder),
        "claim_hint": True,
    }
    message = _message(
        sender, to=_to(holder), subject=subject, language=staff,
        text=render("email/reminder.txt", staff, subject=subject, **context),
        html=render("email/reminder.html", staff, subject=subject, **context),
    )
    message["Auto-Submitted"] = "auto-generated"
    if holder.cc:
        message["Cc"] = ", ".join(holder.cc)
    return OutgoingEmail(EmailKind.REMINDER, holder.email, message, holder.cc)


def _moved_note(
    kind: EmailKind, record: InquiryRecord, sender: Sender, links: Links,
    escalation: Escalation,
) -> OutgoingEmail:
    """A short note to the previous holder: the inquiry moved on, and to whom."""
    holder = escalation.previous
    staff = holder.staff_language
    subject = translate(staff, "Inquiry %(reference)s was passed on to %(name)s") % {
        "reference": record.reference, "name": escalation.to.name}
    context = {
        "record": record,
        "escalation": escalation,
        "topic_label": record.topic_label_for(holder),
        "received_at": _received(record),
        "claim_url": links.claim.url(record, holder),
        "claim_hint": False,  # the note says why already
    }
    message = _message(
        sender, to=_to(holder), subject=subject, language=staff,
        text=render("email/moved.txt", staff, subject=subject, **context),
        html=render("email/moved.html", staff, subject=subject, **context),
    )
    message["Auto-Submitted"] = "auto-generated"
    return OutgoingEmail(kind, holder.email, message)


def _resident_unreachable(
    record: InquiryRecord, sender: Sender, links: Links
) -> OutgoingEmail:
    """To whoever answers the inquiry: the resident's confirmation bounced for good, so
    a reply by email will not arrive either."""
    holder = record.answering
    staff = holder.staff_language
    subject = translate(staff, "Inquiry %(reference)s: the resident's address does not "
                        "accept mail") % {"reference": record.reference}
    context = {
        "record": record,
        "topic_label": record.topic_label_for(holder),
        "received_at": _received(record),
        "claim_url": links.claim.url(record, holder),
        "claim_hint": False,
        "claimed": record.claim is not None,
    }
    message = _message(
        sender, to=_to(holder), subject=subject, language=staff,
        text=render("email/resident_unreachable.txt", staff, subject=subject, **context),
        html=render("email/resident_unreachable.html", staff, subject=subject, **context),
    )
    message["Auto-Submitted"] = "auto-generated"
    return OutgoingEmail(EmailKind.RESIDENT_UNREACHABLE, holder.email, message)


def _erasure_note(kind: EmailKind, record: InquiryRecord, sender: Sender) -> OutgoingEmail:
    """To a holder who received the inquiry, with the copies their email went to: the
    resident withdrew it and asked for erasure, please delete your copy (Art. 17 and 19
    GDPR). Nothing the resident wrote (it is gone), no claim link, no Reply-To."""
    holder = _told_of_erasure(kind, record)
    staff = holder.staff_language
    subject = translate(staff, "Inquiry %(reference)s: withdrawn, please delete") % {
        "reference": record.reference}
    context = {
        "record": record,
        "topic_label": record.topic_label_for(holder),
        "received_at": _received(record),
    }
    message = _message(
        sender, to=_to(holder), subject=subject, language=staff,
        text=render("email/erased.txt", staff, subject=subject, **context),
        html=render("email/erased.html", staff, subject=subject, **context),
    )
    message["Auto-Submitted"] = "auto-generated"
    if holder.cc:
        message["Cc"] = ", ".join(holder.cc)
    return OutgoingEmail(kind, holder.email, message, holder.cc)


def _told_of_erasure(kind: EmailKind, record: InquiryRecord) -> Recipient:
    """Whom a note of this kind goes to: the first contact, or whom an escalation brought
    the inquiry to (emails_asked says whether it is asked for: see erasure_notes)."""
    brought_by = next(email for email, note in ERASURE_NOTES.items() if note is kind)
    if brought_by is EmailKind.STAFF:
        return record.recipient
    return _escalation_of(brought_by, record).to


def _withheld(confirmation: Confirmation | None, staff: str) -> str:
    """Why the resident got no confirmation, in the staff's language; "" if they got one."""
    if confirmation is None or confirmation is Confirmation.SEND:
        return ""
    return translate(staff, CONFIRMATION_WITHHELD[confirmation])


def _resident_email(record: InquiryRecord, sender: Sender, status_url: str) -> OutgoingEmail:
    language = record.inquiry.language
    context = {"record": record, "topic_label": record.topic_labels[language],
               "status_url": status_url}
    # In a right-to-left subject the reference is isolated left to right (LRI … PDI):
    # otherwise a reference that starts with a digit is shown torn apart.
    rtl = LANGUAGES[language].direction == "rtl"
    reference = f"\u2066{record.reference}\u2069" if rtl else record.reference
    subject = translate(language, "Your inquiry %(reference)s has arrived") % {
        "reference": reference
    }
    text = render("email/resident.txt", language, **context)
    if rtl:
        text = _right_to_left_lines(text)
    message = _message(
        sender,
        to=record.inquiry.email,
        subject=subject,
        language=language,
        text=text,
        html=render("email/resident.html", language, subject=subject, **context),
    )
    # A reply to the confirmation reaches the contact person, not a dead mailbox.
    message["Reply-To"] = formataddr((_one_line(record.recipient.name), record.recipient.email),
                                     charset="utf-8")
    message["Auto-Submitted"] = "auto-replied"
    return OutgoingEmail(EmailKind.RESIDENT, record.inquiry.email, message)


def _follow_up(record: InquiryRecord, sender: Sender, links: Links) -> OutgoingEmail:
    """To the resident, once: "Did you get an answer to inquiry X?", a yes and a no link.

    No Reply-To to the holder, unlike the confirmation: a reply would reach a contact
    who may have passed the inquiry on, and the answer belongs on the page, where "no"
    passes the inquiry on; a reply to the sender stays unread, so the email says to
    use the links."""
    if not record.inquiry.email:
        raise ValueError(f"inquiry {record.reference}: the resident's address is gone")
    language = record.inquiry.language
    rtl = LANGUAGES[language].direction == "rtl"
    reference = f"\u2066{record.reference}\u2069" if rtl else record.reference
    subject = translate(language, "Did you get an answer to inquiry %(reference)s?") % {
        "reference": reference}
    context = {"record": record, "topic_label": record.topic_labels[language],
               "yes_url": links.answer.url(record, True),
               "no_url": links.answer.url(record, False)}
    text = render("email/follow_up.txt", language, subject=subject, **context)
    if rtl:
        text = _right_to_left_lines(text)
    message = _message(
        sender, to=record.inquiry.email, subject=subject, language=language, text=text,
        html=render("email/follow_up.html", language, subject=subject, **context),
    )
    message["Auto-Submitted"] = "auto-generated"
    return OutgoingEmail(EmailKind.FOLLOW_UP, record.inquiry.email, message)


def _right_to_left_lines(text: str) -> str:
    """Start every line with a RIGHT-TO-LEFT MARK, so a plain-text reader sets each
    line right to left even when it begins with a Latin name or a number."""
    return "\n".join(f"\u200f{line}" if line else line for line in text.split("\n"))


# Control characters (CR, LF, tab, NUL…) and line separators: never in a header. The
# routing reader refuses them in every text; this is the second line of defence.
_NOT_IN_A_HEADER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def _one_line(text: str) -> str:
    return _NOT_IN_A_HEADER.sub(" ", text)


# The email package's classic MIME classes: four times faster than EmailMessage, whose
# full header parser a message we build ourselves does not need. CRLF, as SMTP wants.
WIRE_POLICY = email.policy.compat32.clone(linesep="\r\n")


def wire_bytes(message: Message) -> bytes:
    """The message as SES sends it."""
    return message.as_bytes(policy=WIRE_POLICY)


def _message(
    sender: Sender, *, to: str, subject: str, language: str, text: str, html: str
) -> Message:
    # A random boundary of our own: the email package would otherwise search both
    # bodies for a collision with its own, a third of the time of building the message.
    message = alternatives(text, html)
    set_headers(message, sender, to=to, subject=subject, language=language)
    return message


def alternatives(text: str, html: str) -> MIMEMultipart:
    """The plain-text and the HTML body of one email, for the reader to choose from."""
    # A random boundary of our own: the email package would otherwise search both
    # bodies for a collision with its own, a third of the time of building the message.
    message = MIMEMultipart("alternative", boundary=f"=_wegweiser_{secrets.token_hex(16)}")
    for body, subtype in ((text, "plain"), (html, "html")):
        part = MIMEText(body, subtype, "utf-8")
        del part["MIME-Version"]  # the message has it; a part needs none (RFC 2045)
        message.attach(part)
    return message


def set_headers(message: Message, sender: Sender, *, to: str, subject: str,
                language: str) -> None:
    """The headers of every email Wegweiser sends; no resident text ever reaches one."""
    message["From"] = formataddr((_one_line(sender.name), sender.email), charset="utf-8")
    message["To"] = to
    subject = _one_line(subject)
    # Non-ASCII subjects (an umlaut, Arabic) are encoded as RFC 2047 words.
    message["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")  # type: ignore[assignment]
    message["Message-ID"] = make_msgid(domain=sender.email.rpartition("@")[2])
    message["Content-Language"] = language
    # Ask Exchange not to answer with out-of-office notes: they would reach the
    # other side in a language they may not read.
    message["X-Auto-Response-Suppress"] = "All"
