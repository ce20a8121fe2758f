"""The two emails of an inquiry (chalicelib/emails.py), read back as a mail client sees them."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from html import escape
from html.parser import HTMLParser

import pytest

from chalicelib.core.emails import OutgoingEmail, Sender, build_email
from chalicelib.core.inquiry import Inquiry
from chalicelib.core.records import EmailKind, InquiryRecord, Recipient
from tests.support.loop import LINKS, with_every_email

# When the emails are built: their Date header.
SENT_AT = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)

REFERENCE = "K7QM-X3PA"
RESIDENT_EMAIL = "zoe@example.org"
RESIDENT_NAME = "Zoë Evil"
MESSAGE = (
    "Mein Vermieter antwortet nicht.\n"
    "<script>alert(1)</script>\n"
    "Bcc: x@y.z\n"
    "Was kann ich tun?"
)
MESSAGE_MARKERS = ("Mein Vermieter", "alert(1)", "Bcc: x@y.z", "x@y.z", "Was kann ich tun")
NAME_MARKERS = ("Zoë", "Evil")
CONTACT_EMAIL = "schulz.stefan@flensburg.de"
ORGANISATION = "Stadt Flensburg, Amt für Integration"
SENDER = Sender(email="noreply@wegweiser.example", name="Wegweiser Flensburg")


def built(kind: EmailKind, record: InquiryRecord, sender: Sender = SENDER) -> OutgoingEmail:
    """The email as the delivery builds it, dated SENT_AT."""
    return build_email(kind, record, sender, LINKS, now=SENT_AT)
TOPIC_LABELS = {"de": "Arbeitsmarkt und Beruf", "en": "Work and jobs"}
LANGUAGE_IN_GERMAN = {"de": "Deutsch", "en": "Englisch"}
RESIDENT_LANGUAGES = [pytest.param("de", id="german-resident"),
                      pytest.param("en", id="english-resident")]


def record_for(language: str, *, name: str = RESIDENT_NAME,
               message: str = MESSAGE) -> InquiryRecord:
    return InquiryRecord(
        reference=REFERENCE,
        received_at=datetime(2025, 3, 3, 8, 15, tzinfo=UTC),
        inquiry=Inquiry(email=RESIDENT_EMAIL, topic="work", message=message, name=name,
                        language=language),
        recipient=Recipient(
            contact_key="stefan-schulz",
            name="Stefan Schulz",
            email=CONTACT_EMAIL,
            organisation=ORGANISATION,
            staff_language="de",
        ),
        topic_labels={"de": TOPIC_LABELS["de"], language: TOPIC_LABELS[language]},
        retention_days=180,
        response_days=5,
        next_steps="",
    )


def as_received(outgoing: OutgoingEmail) -> EmailMessage:
    """The message as a mail client parses it from the bytes on the wire."""
    parsed = email.message_from_bytes(outgoing.message.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def part(message: EmailMessage, content_type: str) -> str:
    for candidate in message.iter_parts():
        assert isinstance(candidate, EmailMessage)
        if candidate.get_content_type() == content_type:
            content = candidate.get_content()
            assert isinstance(content, str)
            return content
    raise AssertionError(f"no {content_type} part")


def staff_email(language: str, **record: str) -> EmailMessage:
    return as_received(built(EmailKind.STAFF, record_for(language, **record)))


def resident_email(language: str) -> EmailMessage:
    return as_received(built(EmailKind.RESIDENT, record_for(language)))


class _Elements(HTMLParser):
    """Collects the text inside elements with dir="auto", and the <html> element's attributes."""

    VOID = frozenset({"br", "meta", "img", "hr", "input", "link"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[bool] = []  # for each open element: is it dir="auto"?
        self.auto_text: list[str] = []
        self.html_attributes: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.html_attributes = dict(attrs)
        if tag not in self.VOID:
            self.open.append(("dir", "auto") in attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if any(self.open):
            self.auto_text.append(data)


def elements_of(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser


# --------------------------------------------------------------------- both emails


@pytest.mark.parametrize("language", RESIDENT_LANGUAGES)
@pytest.mark.parametrize("kind", list(EmailKind))
def test_each_email_has_a_text_and_an_html_alternative(kind: EmailKind, language: str) -> None:
    message = as_received(built(kind, with_every_email(record_for(language))))

    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]


@pytest.mark.parametrize("language", RESIDENT_LANGUAGES)
@pytest.mark.parametrize("kind", list(EmailKind))
def test_each_email_comes_from_the_sender_and_asks_for_no_out_of_office_replies(
    kind: EmailKind, language: str
) -> None:
    message = as_received(built(kind, with_every_email(record_for(language))))

    assert message["From"].addresses[0].addr_spec == "noreply@wegweiser.example"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["Message-ID"].endswith("@wegweiser.example>")
    assert message["Date"] is not None


@pytest.mark.parametrize(
    ("kind", "language", "expected"),
    [
        pytest.param(EmailKind.STAFF, "en", "de", id="staff-in-the-staff-language"),
        pytest.param(EmailKind.RESIDENT, "de", "de", id="resident-in-german"),
        pytest.param(EmailKind.RESIDENT, "en", "en", id="resident-in-english"),
    ],
)
def test_each_email_says_its_language_in_content_language(
    kind: EmailKind, language: str, expected: str
) -> None:
    message = as_received(built(kind, with_every_email(record_for(language))))

    assert message["Content-Language"] == expected


# ----------------------------------------------------------------- the staff email


@pytest.mark.parametrize("language", RESIDENT_LANGUAGES)
def test_the_staff_email_goes_to_the_contact_person(language: str) -> None:
    outgoing = built(EmailKind.STAFF, record_for(language))
    message = as_received(outgoing)

    assert outgoing.kind == "staff"
    assert outgoing.to == CONTACT_EMAIL
    assert [address.addr_spec for address in message["To"].addresses] == [CONTACT_EMAIL]


@pytest.mark.parametrize("language", RESIDENT_LANGUAGES)
def test_a_reply_to_the_staff_email_goes_exactly_to_the_resident(language: str) -> None:
    message = staff_email(language)

    assert str(message["Reply-To"]) == RESIDENT_EMAIL


@pytest.mark.parametrize("language", RESIDENT_LANGUAGES)
def test_the_staff_subject_names_reference_german_topic_and_the_residents_language(
    language: str,
) -> None:
    subject = staff_email(language)["Subject"]

    assert REFERENCE in subject
    assert TOPIC_LABELS["de"] in subject
    assert f"Sprache: {LANGUAGE_IN_GERMAN[language]}" in subject


@pytest.mark.parametrize("language", RESIDENT_LANGUAGES)
def test_no_header_of_the_staff_email_carries_the_residents_name_or_message(
    language: str,
) -> None:
    message = staff_email(language)
    outgoing = built(EmailKind.STAFF, record_for(language))
    raw_headers = outgoing.message.as_bytes()
    raw_headers = raw_headers.split(b"\n\n", 1)[0]

    for header, value in message.items():
        for marker in (*NAME_MARKERS, *MESSAGE_MARKERS, "script"):
            assert marker not in str(value), (header, marker)
    assert b"Zo" not in raw_headers
    assert "Bcc" not in message
    assert "Cc" not in message


@pytest.mark.parametrize("language", RESIDENT_LANGUAGES)
def test_the_staff_html_shows_the_message_escaped_in_a_dir_auto_element(language: str) -> None:
    html = part(staff_email(language), "text/html")
    auto_text = "".join(elements_of(html).auto_text)

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
    # Unescaped by the parser, the text a reader sees is the message as written.
    for line in MESSAGE.split("\n"):
        assert line in auto_text


def test_the_staff_html_shows_each_line_of_the_message_on_a_line_of_its_own() -> None:
    # Outlook ignores CSS white-space: only a <br> (of any case) breaks the line.
    html = part(staff_email("de"), "text/html")
    shown = re.search(r'<div dir="auto"[^>]*>(.*?)</div>', html, re.DOTALL)

    assert shown is not None
    assert re.split(r"<br>\n", shown.group(1), flags=re.IGNORECASE) == [
        escape(line, quote=False) for line in MESSAGE.split("\n")]


def test_a_name_with_markup_is_escaped_in_the_staff_html() -> None:
    html = part(staff_email("en", name="<b>Zoë</b>"), "text/html")

    assert "&lt;b&gt;Zoë&lt;/b&gt;" in html
    assert "<b>" not in html


@pytest.mark.parametrize("language", RESIDENT_LANGUAGES)
def test_the_staff_text_part_contains_the_message_verbatim(language: str) -> None:
    text = part(staff_email(language), "text/plain")

    assert MESSAGE in text
    assert RESIDENT_NAME in text
    assert RESIDENT_EMAIL in text


@pytest.mark.parametrize("language", RESIDENT_LANGUAGES)
def test_the_staff_email_is_marked_as_auto_generated(language: str) -> None:
    assert staff_email(language)["Auto-Submitted"] == "auto-generated"


def test_the_staff_email_is_written_in_german_for_german_staff() -> None:
    message = staff_email("en")
    html_attributes = elements_of(part(message, "text/html")).html_attributes

    assert html_attributes == {"lang": "de", "dir": "ltr"}
    assert "Nachricht" in part(message, "text/plain")


# -------------------------------------------------------------- the resident email


@pytest.mark.parametrize("language", RESIDENT_LANGUAGES)
def test_the_resident_email_goes_to_the_resident(language: str) -> None:
    outgoing = built(EmailKind.RESIDENT, record_for(language))
    message = as_received(outgoing)

    assert outgoing.kind == "resident"
    assert outgoing.to == RESIDENT_EMAIL
    assert [address.addr_spec for address in message["To"].addresses] == [RESIDENT_EMAIL]


@pytest.mark.parametrize("language", RESIDENT_LANGUAGES)
def test_the_resident_email_is_marked_as_an_automatic_reply(language: str) -> None:
    assert resident_email(language)["Auto-Submitted"] == "auto-replied"


@pytest.mark.parametrize("language", RESIDENT_LANGUAGES)
def test_a_reply_to_the_confirmation_reaches_the_contact_person(language: str) -> None:
    reply_to = resident_email(language)["Reply-To"]

    assert [address.addr_spec for address in reply_to.addresses] == [CONTACT_EMAIL]


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        pytest.param("de", f"Ihre Anfrage {REFERENCE} ist angekommen", id="german"),
        pytest.param("en", f"Your inquiry {REFERENCE} has arrived", id="english"),
    ],
)
def test_the_resident_subject_names_the_reference_in_the_residents_language(
    language: str, subject: str
) -> None:
    assert resident_email(language)["Subject"] == subject


@pytest.mark.parametrize("language", RESIDENT_LANGUAGES)
@pytest.mark.parametrize("content_type", ["text/plain", "text/html"])
def test_the_resident_email_repeats_neither_the_message_nor_the_name(
    language: str, content_type: str
) -> None:
    body = part(resident_email(language), content_type)

    for marker in (*MESSAGE_MARKERS, *NAME_MARKERS, "script"):
        assert marker not in body, marker


@pytest.mark.parametrize("language", RESIDENT_LANGUAGES)
@pytest.mark.parametrize("content_type", ["text/plain", "text/html"])
def test_the_resident_email_names_the_organisation_reference_and_topic(
    language: str, content_type: str
) -> None:
    body = part(resident_email(language), content_type)

    assert ORGANISATION in body
    assert REFERENCE in body
    assert TOPIC_LABELS[language] in body


@pytest.mark.parametrize("language", RESIDENT_LANGUAGES)
def test_the_resident_html_declares_its_language_and_left_to_right(language: str) -> None:
    html = part(resident_email(language), "text/html")

    assert elements_of(html).html_attributes == {"lang": language, "dir": "ltr"}
