"""What the headers of the two emails say, read back from the wire as a mail client does.

test_email_messages.py covers the German and English emails; this file covers what
only other people and other languages show: right-to-left subjects and text, names
with umlauts, copies for a topic, the time an inquiry arrived, the date of the email.
"""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from chalicelib.core.emails import OutgoingEmail, Sender, build_email, wire_bytes
from chalicelib.core.inquiry import Inquiry
from chalicelib.core.records import EmailKind, InquiryRecord, Recipient
from tests.support.loop import LINKS, with_every_email

# When the emails are built: their Date header.
SENT_AT = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)

REFERENCE = "7KQM-X3PA"  # begins with a digit: torn apart in a right-to-left line if not isolated
SENDER = Sender(email="noreply@wegweiser.example", name="Wegweiser Flensburg")


def built(kind: EmailKind, record: InquiryRecord, sender: Sender = SENDER) -> OutgoingEmail:
    """The email as the delivery builds it, dated SENT_AT."""
    return build_email(kind, record, sender, LINKS, now=SENT_AT)
LABELS = {"de": "Gesundheit", "ar": "الصحة", "en": "Health"}
LRI, PDI, RLM = "\u2066", "\u2069", "\u200f"


def record(
    language: str = "de",
    *,
    staff_language: str = "de",
    contact_name: str = "Stefan Schulz",
    cc: tuple[str, ...] = (),
    received_at: datetime = datetime(2025, 3, 3, 8, 15, tzinfo=UTC),
) -> InquiryRecord:
    return InquiryRecord(
        reference=REFERENCE,
        received_at=received_at,
        inquiry=Inquiry(email="amal@example.org", topic="health", message="Hallo",
                        name="Amal", language=language),
        recipient=Recipient(contact_key="contact", name=contact_name,
                            email="contact@example.org", organisation="Klinik am Hafen",
                            staff_language=staff_language, cc=cc),
        topic_labels=LABELS,
        retention_days=180,
        response_days=5,
        next_steps="",
    )


def received(kind: EmailKind, inquiry: InquiryRecord, sender: Sender = SENDER) -> EmailMessage:
    """The email as a mail client parses it from the bytes SES sends."""
    raw = wire_bytes(built(kind, with_every_email(inquiry), sender).message)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def body(message: EmailMessage, content_type: str) -> str:
    found = [p for p in message.iter_parts() if p.get_content_type() == content_type]
    assert len(found) == 1, content_type
    content = found[0].get_content()
    assert isinstance(content, str)
    return content


# ------------------------------------------------------------ right to left


def test_an_arabic_confirmation_has_an_arabic_subject_with_the_reference_isolated() -> None:
    message = received(EmailKind.RESIDENT, record("ar"))

    assert message["Subject"] == f"وصلنا استفسارك رقم {LRI}{REFERENCE}{PDI}"
    assert message["Content-Language"] == "ar"


def test_a_german_confirmation_keeps_the_reference_as_it_is() -> None:
    assert received(EmailKind.RESIDENT, record("de"))["Subject"] == (
        f"Ihre Anfrage {REFERENCE} ist angekommen")


def test_every_line_of_an_arabic_confirmations_text_starts_right_to_left() -> None:
    lines = body(received(EmailKind.RESIDENT, record("ar")), "text/plain").split("\n")

    written = [line for line in lines if line.removeprefix(RLM).strip()]
    blank = [line for line in lines if not line.removeprefix(RLM).strip()]
    assert len(written) > 5
    assert all(line.startswith(RLM) for line in written), written
    assert f"{RLM}الموضوع: الصحة" in written, "the topic line, whole"
    assert blank, "the paragraphs are apart"
    assert all(line == "" for line in blank), "a blank line stays blank"


def test_a_german_confirmations_text_has_no_right_to_left_marks() -> None:
    text = body(received(EmailKind.RESIDENT, record("de")), "text/plain")

    assert RLM not in text
    assert REFERENCE in text


def test_a_contact_who_reads_arabic_gets_the_staff_subject_in_arabic() -> None:
    message = received(EmailKind.STAFF, record("ar", staff_language="ar"))

    assert message["Subject"] == f"استفسار رقم {REFERENCE}: الصحة (اللغة: العربية)"
    assert message["Content-Language"] == "ar"


@pytest.mark.parametrize(("kind", "language", "subject"), [
    pytest.param(EmailKind.STAFF, "de", f"Anfrage {REFERENCE}: Gesundheit (Sprache: Deutsch)",
                 id="staff"),
    pytest.param(EmailKind.RESIDENT, "ar", f"وصلنا استفسارك رقم {LRI}{REFERENCE}{PDI}",
                 id="resident-arabic"),
])
def test_the_html_part_is_titled_with_the_subject(
    kind: EmailKind, language: str, subject: str
) -> None:
    html = body(received(kind, record(language)), "text/html")

    assert re.findall(r"<title>(.*)</title>", html) == [subject]


# ------------------------------------------------------------------ the wire


@pytest.mark.parametrize("kind", list(EmailKind))
def test_on_the_wire_every_line_ends_in_crlf_and_every_header_is_ascii(kind: EmailKind) -> None:
    raw = wire_bytes(built(kind, with_every_email(record("ar", staff_language="ar",
                                              contact_name="Jürgen Größ"))).message)
    headers = raw.split(b"\r\n\r\n", 1)[0]

    assert raw.count(b"\n") == raw.count(b"\r\n"), "SMTP wants CRLF line ends"
    assert headers.isascii(), "non-ASCII only as RFC 2047 words"


def test_only_the_message_declares_its_mime_version_not_each_part() -> None:
    raw = wire_bytes(built(EmailKind.STAFF, record()).message)

    assert raw.count(b"MIME-Version: 1.0") == 1


# ------------------------------------------------------------------- names


def test_a_contact_name_with_umlauts_is_shown_in_to_and_in_the_confirmations_reply_to() -> None:
    inquiry = record(contact_name="Jürgen Größ")

    [to] = received(EmailKind.STAFF, inquiry)["To"].addresses
    [reply_to] = received(EmailKind.RESIDENT, inquiry)["Reply-To"].addresses

    assert (to.display_name, to.addr_spec) == ("Jürgen Größ", "contact@example.org")
    assert (reply_to.display_name, reply_to.addr_spec) == ("Jürgen Größ", "contact@example.org")


def test_a_sender_name_with_umlauts_is_shown_in_from() -> None:
    sender = Sender(email="noreply@wegweiser.example", name="Wegweiser – Büro für Integration")

    [sent_by] = received(EmailKind.RESIDENT, record(), sender)["From"].addresses

    assert sent_by.display_name == "Wegweiser – Büro für Integration"
    assert sent_by.addr_spec == "noreply@wegweiser.example"


# ------------------------------------------------------------------- copies


def test_the_copies_of_a_topic_are_in_cc_of_the_staff_email_and_sent_to() -> None:
    copies = ("team@example.org", "archiv@example.org")

    outgoing = built(EmailKind.STAFF, record(cc=copies))
    message = received(EmailKind.STAFF, record(cc=copies))

    assert outgoing.cc == copies
    assert [a.addr_spec for a in message["Cc"].addresses] == list(copies)


def test_the_confirmation_sends_no_copies() -> None:
    outgoing = built(EmailKind.RESIDENT, record(cc=("team@example.org",)))

    assert outgoing.cc == ()
    assert "Cc" not in received(EmailKind.RESIDENT, record(cc=("team@example.org",)))


# ------------------------------------------------------------------- times


@pytest.mark.parametrize(("received_at", "shown"), [
    pytest.param(datetime(2025, 3, 3, 8, 15, tzinfo=UTC), "03.03.2025 09:15", id="winter"),
    pytest.param(datetime(2025, 7, 1, 22, 5, tzinfo=UTC), "02.07.2025 00:05", id="summer"),
])
def test_the_staff_email_says_when_the_inquiry_arrived_in_flensburg_time(
    received_at: datetime, shown: str
) -> None:
    message = received(EmailKind.STAFF, record(received_at=received_at))

    assert f"Eingegangen: {shown}" in body(message, "text/plain")
    assert f">{shown}</td>" in body(message, "text/html")


@pytest.mark.parametrize("kind", list(EmailKind))
def test_each_email_is_dated_by_the_clock_that_sent_it_with_its_time_zone(
    kind: EmailKind,
) -> None:
    """The delivery's clock, not the machine's: the dev stack's moved clock dates its
    emails too."""
    dated = received(kind, record())["Date"].datetime

    assert dated.tzinfo is not None
    assert dated == SENT_AT
