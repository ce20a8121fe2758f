"""The two emails of an inquiry, as complete MIME messages (text and HTML parts).

Built with the standard `email` package. No text typed by the resident ever goes
into a header: subjects name the reference, the topic and the language; the
resident's address appears only as the staff email's Reply-To, after validation.
The resident's confirmation does not repeat their message (nor their name), so the
form cannot be used to send chosen text to a chosen address.
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

from chalicelib.core.languages import LANGUAGES
from chalicelib.core.local_time import flensburg_time
from chalicelib.core.messages import CONFIRMATION_WITHHELD, language_name
from chalicelib.core.records import Confirmation, EmailKind, InquiryRecord
from chalicelib.core.templating import render, translate


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


def build_email(kind: EmailKind, record: InquiryRecord, sender: Sender) -> OutgoingEmail:
    match kind:
        case EmailKind.STAFF:
            return _staff_email(record, sender)
        case EmailKind.RESIDENT:
            return _resident_email(record, sender)


def _staff_email(record: InquiryRecord, sender: Sender) -> OutgoingEmail:
    staff = record.recipient.staff_language
    context = {
        "record": record,
        "topic_label": record.topic_labels[staff],
        "language_name": language_name(record.inquiry.language, staff),
        "received_at": flensburg_time(record.received_at).strftime("%d.%m.%Y %H:%M"),
        "withheld": _withheld(record.confirmation, staff),
    }
    subject = translate(staff, "Inquiry %(reference)s: %(topic)s (language: %(language)s)") % {
        "reference": record.reference,
        "topic": context["topic_label"],
        "language": context["language_name"],
    }
    message = _message(
        sender,
        to=formataddr((_one_line(record.recipient.name), record.recipient.email), charset="utf-8"),
        subject=subject,
        language=staff,
        text=render("email/staff.txt", staff, **context),
        html=render("email/staff.html", staff, subject=subject, **context),
    )
    # One click on "Reply" in Outlook answers the resident.
    message["Reply-To"] = record.inquiry.email
    message["Auto-Submitted"] = "auto-generated"
    if record.recipient.cc:
        message["Cc"] = ", ".join(record.recipient.cc)
    return OutgoingEmail(EmailKind.STAFF, record.recipient.email, message, record.recipient.cc)


def _withheld(confirmation: Confirmation | None, staff: str) -> str:
    """Why the resident got no confirmation, in the staff's language; "" if they got one."""
    if confirmation is None or confirmation is Confirmation.SEND:
        return ""
    return translate(staff, CONFIRMATION_WITHHELD[confirmation])


def _resident_email(record: InquiryRecord, sender: Sender) -> OutgoingEmail:
    language = record.inquiry.language
    context = {"record": record, "topic_label": record.topic_labels[language]}
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
    message = MIMEMultipart("alternative", boundary=f"=_wegweiser_{secrets.token_hex(16)}")
    message["From"] = formataddr((_one_line(sender.name), sender.email), charset="utf-8")
    message["To"] = to
    subject = _one_line(subject)
    # Non-ASCII subjects (an umlaut, Arabic) are encoded as RFC 2047 words.
    message["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")  # type: ignore[assignment]
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.email.rpartition("@")[2])
    message["Content-Language"] = language
    # Ask Exchange not to answer with out-of-office notes: they would reach the
    # other side in a language they may not read.
    message["X-Auto-Response-Suppress"] = "All"
    for body, subtype in ((text, "plain"), (html, "html")):
        part = MIMEText(body, subtype, "utf-8")
        del part["MIME-Version"]  # the message has it; a part needs none (RFC 2045)
        message.attach(part)
    return message
