"""The emails of the loop (chalicelib/core/emails.py), read back as a mail client shows
them: the claim link in every email to a holder, the reminder, the escalated inquiry
and the note that it moved, each in its reader's staff language.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.core.emails import OutgoingEmail, Sender, build_email
from chalicelib.core.inquiry import Inquiry
from chalicelib.core.records import EmailKind, InquiryRecord, Recipient
from tests.support.loop import BASE_URL, DEPUTY, LEAD, LINKS, with_every_email

# When the emails are built: their Date header.
SENT_AT = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)

REFERENCE = "K7QM-X3PA"
SENDER = Sender(email="noreply@wegweiser.example", name="Wegweiser Flensburg")


def built(kind: EmailKind, record: InquiryRecord, sender: Sender = SENDER) -> OutgoingEmail:
    """The email as the delivery builds it, dated SENT_AT."""
    return build_email(kind, record, sender, LINKS, now=SENT_AT)
RECEIVED = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday, 09:00 in Flensburg
MESSAGE = "Gibt es einen Kita-Platz für meine Tochter?"
ANNA = Recipient(contact_key="anna-meier", name="Anna Meier",
                 email="info@integration-flensburg.de",
                 organisation="Integration in Flensburg e.V.", staff_language="de",
                 cc=("team@integration-flensburg.de",))


def inquiry() -> InquiryRecord:
    return InquiryRecord(
        reference=REFERENCE, received_at=RECEIVED,
        inquiry=Inquiry(email="zoe@example.org", topic="education", message=MESSAGE,
                        name="Zoë", language="en"),
        recipient=ANNA, topic_labels={"de": "Bildung", "en": "Education"},
        retention_days=180, response_days=5, next_steps="")


EVERYTHING = with_every_email(inquiry())


def read(kind: EmailKind, record: InquiryRecord = EVERYTHING) -> EmailMessage:
    raw = built(kind, record).message.as_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def part(message: EmailMessage, subtype: str) -> str:
    body = message.get_body(preferencelist=(subtype,))
    assert body is not None
    content = body.get_content()
    assert isinstance(content, str)
    return content


def claim_links(text: str) -> list[str]:
    return re.findall(rf"{re.escape(BASE_URL)}claim/[^\s\"<]+", text)


def claimant(link: str) -> str | None:
    """Whom the link claims the inquiry for."""
    parts = urlsplit(link.replace("&amp;", "&"))
    (token,) = parse_qs(parts.query)["t"]
    return LINKS.claim.tokens.contact(parts.path.rsplit("/", 1)[1], token, RECEIVED)


def to(message: EmailMessage) -> list[str]:
    return [address.addr_spec for address in message["To"].addresses]


HOLDER_EMAILS = {
    EmailKind.STAFF: "anna-meier",
    EmailKind.REMINDER: "anna-meier",
    EmailKind.ESCALATED: "deputy",
    EmailKind.MOVED: "anna-meier",
    EmailKind.ESCALATED_AGAIN: "lead",
    EmailKind.MOVED_AGAIN: "deputy",
}


@pytest.mark.parametrize(("kind", "holder"), HOLDER_EMAILS.items(), ids=list(HOLDER_EMAILS))
def test_every_email_to_a_holder_carries_a_claim_link_for_that_holder_in_both_parts(
    kind: EmailKind, holder: str
) -> None:
    message = read(kind)

    html_links = claim_links(part(message, "html"))
    text_links = claim_links(part(message, "plain"))

    assert html_links and text_links
    assert {claimant(link) for link in html_links + text_links} == {holder}


def test_the_resident_s_confirmation_has_no_claim_link() -> None:
    message = read(EmailKind.RESIDENT)

    assert claim_links(part(message, "html")) == claim_links(part(message, "plain")) == []


def test_the_staff_email_shows_the_claim_button_before_the_details_in_outlook_s_way() -> None:
    html = part(read(EmailKind.STAFF), "html")

    button = re.search(r'<td bgcolor="#0b4f8a"[^>]*>\s*<a href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert button is not None, "a table cell with a background: Outlook draws it"
    assert button.group(2) == "Ich übernehme diese Anfrage"
    assert html.index("Ich übernehme diese Anfrage") < html.index("Vorgangsnummer")
    assert claimant(button.group(1)) == "anna-meier"


def test_the_staff_text_part_names_the_claim_link_near_the_top() -> None:
    text = part(read(EmailKind.STAFF), "plain")
    lines = text.splitlines()

    at = lines.index(">> Ich übernehme diese Anfrage:")
    assert at < 5
    assert claimant(lines[at + 1].strip()) == "anna-meier"


def test_a_copy_of_the_staff_email_carries_the_contact_s_link_to_claim_on_their_behalf() -> None:
    outgoing = built(EmailKind.STAFF, EVERYTHING)

    assert outgoing.cc == ("team@integration-flensburg.de",)
    assert {claimant(link) for link in claim_links(
        part(read(EmailKind.STAFF), "plain"))} == {"anna-meier"}


# The reminder


def test_the_reminder_goes_to_the_contact_and_says_for_how_many_working_days_it_waited() -> None:
    message = read(EmailKind.REMINDER)

    assert to(message) == ["info@integration-flensburg.de"]
    assert str(message["Cc"]) == "team@integration-flensburg.de"
    assert message["Subject"] == f"Erinnerung: Anfrage {REFERENCE} wartet seit 1 Arbeitstag"
    assert message["Reply-To"] is None, "a reply to a reminder must not reach the resident"
    assert MESSAGE not in part(message, "plain") + part(message, "html")


def test_a_later_reminder_counts_the_working_days_in_the_plural() -> None:
    late = replace(EVERYTHING, reminded_at=RECEIVED + timedelta(days=2, minutes=5))

    assert read(EmailKind.REMINDER, late)["Subject"] == (
        f"Erinnerung: Anfrage {REFERENCE} wartet seit 2 Arbeitstagen")


def test_the_reminder_is_in_the_contact_s_staff_language() -> None:
    english = replace(EVERYTHING, recipient=replace(ANNA, staff_language="en"))

    message = read(EmailKind.REMINDER, english)

    assert message["Subject"] == (
        f"Reminder: inquiry {REFERENCE} has been waiting for 1 working day")
    assert message["Content-Language"] == "en"
    assert "I am taking on this inquiry" in part(message, "html")


# The escalation


def test_the_deputy_gets_the_whole_inquiry_marked_as_escalated_and_why() -> None:
    message = read(EmailKind.ESCALATED)
    html, text = part(message, "html"), part(message, "plain")

    assert to(message) == [DEPUTY.email]
    assert message["Subject"] == (
        f"Eskaliert: Anfrage {REFERENCE}: Bildung (Sprache: Englisch)")
    why = "An Sie eskaliert: nicht übernommen von Anna Meier innerhalb von 5 Arbeitstagen."
    assert why in html and text.startswith(why)
    assert MESSAGE in html and MESSAGE in text
    assert str(message["Reply-To"]) == "zoe@example.org", "Reply answers the resident"
    assert message["Cc"] is None


def test_the_escalation_contact_learns_who_had_it_before() -> None:
    message = read(EmailKind.ESCALATED_AGAIN)

    assert to(message) == [LEAD.email]
    assert ("nicht übernommen von Anna Meier, Dora Deputy innerhalb von 6 Arbeitstagen"
            in part(message, "plain"))


def test_the_contact_gets_a_short_note_that_the_inquiry_moved_and_to_whom() -> None:
    message = read(EmailKind.MOVED)
    text = part(message, "plain")

    assert to(message) == ["info@integration-flensburg.de"]
    assert message["Subject"] == f"Anfrage {REFERENCE} wurde an Dora Deputy weitergegeben"
    assert ("Niemand hat sie innerhalb von 5 Arbeitstagen übernommen. Der Wegweiser hat sie "
            "deshalb an Dora Deputy (Stadt Flensburg, Amt für Integration) weitergegeben."
            in text)
    assert MESSAGE not in text and message["Reply-To"] is None


def test_the_second_note_goes_to_the_deputy_who_had_it_until_then() -> None:
    assert to(read(EmailKind.MOVED_AGAIN)) == [DEPUTY.email]


def test_an_escalation_email_cannot_be_built_for_an_inquiry_that_was_not_escalated() -> None:
    with pytest.raises(ValueError, match="no escalation"):
        built(EmailKind.ESCALATED, inquiry())
