"""The render row: both emails of one inquiry, from the stored record to the bytes SES gets.

The staff email (German) and the resident's confirmation (Arabic, right to left),
each rendered from its templates, built as a MIME message and serialised by the
mailer itself, which hands the bytes to a stand-in for the SES client: so the row
follows the code however it builds and serialises, and includes no AWS call.
Timed after a warm-up, so the figure is the work per delivery in a warm container,
not the first load of the templates and catalogs.

The floor writes the same two emails' texts (taken from ours once, before timing) into a
fixed MIME skeleton with the standard library alone, and serialises it: what any
sender of these texts must do. Ours and the floor alternate; the row is their ratio.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import TYPE_CHECKING, Any, cast

from bench.lambda_events import INQUIRY
from bench.results import MeasurementFailed, Row
from chalicelib.aws.ses_mailer import SESMailer
from chalicelib.core.claims import ClaimLinks, ClaimTokens
from chalicelib.core.emails import WIRE_POLICY, Sender, build_email
from chalicelib.core.follow_up import AnswerLinks, AnswerTokens
from chalicelib.core.inquiry import Inquiry
from chalicelib.core.links import Links
from chalicelib.core.records import EmailKind, InquiryRecord, Recipient
from chalicelib.core.references import new_reference
from chalicelib.core.routing_file import bundled_routing
from chalicelib.core.status import StatusLinks, StatusTokens

# When the emails are built: their Date header.
SENT_AT = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

RUNS = 300
WARM_UP = 20
RENDER_GOAL = 2.0  # ratio to the floor
SENDER = Sender("wegweiser@wegweiser.test", "Wegweiser Flensburg")
LINKS = Links(claim=ClaimLinks(ClaimTokens(b"bench claim links"), "https://wegweiser.example/api/"),
              status=StatusLinks(StatusTokens(b"bench status links"),
                                 "https://wegweiser.example/api/"),
              answer=AnswerLinks(AnswerTokens(b"bench answer links"),
                                 "https://wegweiser.example/api/"))


def sample_record() -> InquiryRecord:
    """The bench's inquiry, as the intake stores it: for the topic's first contact."""
    topic = bundled_routing().topics[INQUIRY["topic"]]
    contact = topic.contacts[0]
    inquiry = Inquiry(email=INQUIRY["email"], topic=topic.key, message=INQUIRY["message"],
                      name=INQUIRY["name"], language=INQUIRY["language"])
    return InquiryRecord(
        reference=new_reference(),
        received_at=datetime.now(UTC),
        inquiry=inquiry,
        recipient=Recipient(contact_key=contact.key, name=contact.name, email=contact.email,
                            organisation=contact.organisation.name,
                            staff_language=contact.staff_language, cc=topic.cc),
        topic_labels={language: topic.label(language)
                      for language in (contact.staff_language, inquiry.language)},
        retention_days=topic.retention_days,
        response_days=topic.response_days,
        next_steps=(topic.next_steps or {}).get(inquiry.language, ""),
    )


class CapturingSES:
    """Stands in for the SES v2 client: keeps the raw message the mailer sends."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []

    def send_email(self, **request: Any) -> dict[str, str]:
        self.raw.append(request["Content"]["Raw"]["Data"])
        return {"MessageId": "bench"}


def both_emails(record: InquiryRecord, mailer: SESMailer) -> None:
    """Build the inquiry's two emails and have the mailer serialise and "send" them."""
    for kind in (EmailKind.STAFF, EmailKind.RESIDENT):
        outgoing = build_email(kind, record, SENDER, LINKS, now=SENT_AT)
        mailer.send(outgoing.message, to=outgoing.to, cc=outgoing.cc)


def texts_of(message: Message) -> tuple[str, str, str]:
    """The subject, plain text and HTML of a message we built."""
    parts = [part.get_payload(decode=True) for part in message.walk()
             if not part.is_multipart()]
    plain, html = (payload.decode("utf-8") for payload in parts if isinstance(payload, bytes))
    return str(message["Subject"]), plain, html


def floor_emails(texts: list[tuple[str, str, str]]) -> list[bytes]:
    """The least a sender of these texts does: a fixed skeleton, the texts, the bytes."""
    wire = []
    for subject, plain, html in texts:
        message = MIMEMultipart("alternative")
        message["From"] = "Wegweiser Flensburg <wegweiser@wegweiser.test>"
        message["To"] = "info@integration-flensburg.de"
        message["Subject"] = subject
        message.attach(MIMEText(plain, "plain", "utf-8"))
        message.attach(MIMEText(html, "html", "utf-8"))
        wire.append(message.as_bytes(policy=WIRE_POLICY))
    return wire


def measure(runs: int = RUNS) -> list[Row]:
    record = sample_record()
    ses = CapturingSES()
    mailer = SESMailer(cast("SESV2Client", ses), None)
    texts = [texts_of(build_email(kind, record, SENDER, LINKS, now=SENT_AT).message)
             for kind in (EmailKind.STAFF, EmailKind.RESIDENT)]
    for _ in range(WARM_UP):
        both_emails(record, mailer)
        floor_emails(texts)
    ours, floor = [], []
    for _ in range(runs):
        start = time.perf_counter()
        both_emails(record, mailer)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        floor_emails(texts)
        floor.append(time.perf_counter() - start)
    if len(ses.raw) != 2 * (WARM_UP + runs) or not all(ses.raw):
        raise MeasurementFailed(f"render: {len(ses.raw)} messages serialised")
    return [Row("render", statistics.median(ours) * 1000, "ms", RENDER_GOAL,
                floor=statistics.median(floor) * 1000)]
