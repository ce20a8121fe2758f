"""The resident's status page (chalicelib/core/status.py): a link shows one inquiry's state
until its retention ends; a wrong token and an unknown reference look the same, and the
token is checked before the store is read.

With the in-memory store of tests/support/fakes.py and a clock the tests move.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from chalicelib.core.claims import Claims, ClaimTokens
from chalicelib.core.emails import Sender, build_email
from chalicelib.core.inquiry import Inquiry
from chalicelib.core.records import EmailKind, Escalation, InquiryRecord, Recipient, Step
from chalicelib.core.status import State, StatusLinks, StatusPages, StatusTokens
from tests.support.clock import MovableClock
from tests.support.fakes import InMemoryInquiryStore
from tests.support.loop import LINKS

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 09:00 in Flensburg
REFERENCE = "K7QM-X3PA"
TOKENS = StatusTokens(b"a key for status links in tests")
ANNA = Recipient(contact_key="anna-meier", name="Anna Meier",
                 email="info@integration-flensburg.de",
                 organisation="Integration in Flensburg e.V.", staff_language="de")
STEFAN = Recipient(contact_key="stefan-schulz", name="Stefan Schulz",
                   email="schulz.stefan@flensburg.de",
                   organisation="Stadt Flensburg, Amt für Integration", staff_language="de")


def record(reference: str = REFERENCE, language: str = "en") -> InquiryRecord:
    return InquiryRecord(
        reference=reference, received_at=START,
        inquiry=Inquiry(email="zoe@example.org", topic="education", message="Kita?",
                        name="Zoë", language=language),
        recipient=ANNA, topic_labels={"de": "Bildung", "en": "Education", "ar": "التعليم"},
        retention_days=180, response_days=5, next_steps="")


class ReadsRecordingStore(InMemoryInquiryStore):
    """The in-memory store that notes every read."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def get(self, reference: str, now: datetime) -> InquiryRecord | None:
        self.reads.append(reference)
        return super().get(reference, now)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START + timedelta(hours=1))


@pytest.fixture
def store() -> ReadsRecordingStore:
    store = ReadsRecordingStore()
    store.add(record())
    return store


@pytest.fixture
def pages(store: ReadsRecordingStore, clock: MovableClock) -> StatusPages:
    return StatusPages(store=store, tokens=TOKENS, clock=clock)


def token() -> str:
    return TOKENS.issue(REFERENCE, record().expires_at)


# The token


def test_a_token_is_good_for_its_inquiry_only() -> None:
    assert TOKENS.valid(REFERENCE, token(), START)
    assert not TOKENS.valid("ZZZZ-ZZZZ", token(), START), "another inquiry's"


def test_a_token_is_useless_once_the_inquiry_s_retention_has_ended() -> None:
    end = record().expires_at

    assert TOKENS.valid(REFERENCE, token(), end - timedelta(seconds=1))
    assert not TOKENS.valid(REFERENCE, token(), end)


@pytest.mark.parametrize("change", [
    pytest.param(lambda t: t.replace(t.split(".")[0], str(int(t.split(".")[0]) + 86400)),
                 id="a-later-expiry"),
    pytest.param(lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), id="a-changed-signature"),
    pytest.param(lambda t: t.split(".")[0], id="no-signature"),
    pytest.param(lambda t: "", id="empty"),
    pytest.param(lambda t: "ä" + t, id="not-ascii"),
    pytest.param(lambda t: t + "A" * 300, id="very-long"),
])
def test_a_token_changed_in_any_way_is_refused(change: object) -> None:
    assert callable(change)
    assert not TOKENS.valid(REFERENCE, change(token()), START)


def test_a_token_from_another_key_is_refused() -> None:
    other = StatusTokens(b"another stage's key for status links")

    assert not other.valid(REFERENCE, token(), START)


def test_a_claim_token_is_no_status_token_even_with_the_same_key() -> None:
    """Bound to a purpose: a token of one kind of link never opens the other page."""
    key = b"one key for both, by mistake"
    claim_token = ClaimTokens(key).issue(REFERENCE, "anna-meier", record().expires_at)
    expires, signature = claim_token.split(".")[1:]

    assert not StatusTokens(key).valid(REFERENCE, f"{expires}.{signature}", START)


def test_the_link_is_in_the_resident_s_language_and_carries_a_good_token() -> None:
    url = StatusLinks(TOKENS, "https://wegweiser.example/api").url(record(language="ar"))

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        f"https://wegweiser.example/api/ar/status/{REFERENCE}")
    [sent_token] = parse_qs(parts.query)["t"]
    assert TOKENS.valid(REFERENCE, unquote(sent_token), START)


# The page's use case


def test_a_received_inquiry_shows_when_it_arrived_and_who_handles_it(
    pages: StatusPages,
) -> None:
    status = pages.look(REFERENCE, token())

    assert status is not None
    assert status.state is State.RECEIVED
    assert status.as_json() == {
        "reference": REFERENCE, "state": "received",
        "organisation": "Integration in Flensburg e.V.",
        "received": "2026-12-01T09:00:00+01:00", "claimed": None, "answered": None,
    }
    assert status.response_days == 5


def test_a_claimed_inquiry_shows_when_it_was_claimed(
    pages: StatusPages, store: ReadsRecordingStore, clock: MovableClock,
) -> None:
    claim_tokens = LINKS.claim.tokens
    claims = Claims(store=store, tokens=claim_tokens, clock=clock)
    claims.claim(REFERENCE, claim_tokens.issue(REFERENCE, "anna-meier", record().expires_at))

    status = pages.look(REFERENCE, token())

    assert status is not None
    assert status.state is State.CLAIMED
    assert status.as_json()["claimed"] == "2026-12-01T10:00:00+01:00"
    assert status.as_json()["state"] == "claimed"


def test_the_organisation_is_the_one_that_holds_the_inquiry_now(
    pages: StatusPages, store: ReadsRecordingStore,
) -> None:
    moved = Escalation(Step.ESCALATE, to=STEFAN, previous=ANNA,
                       at=START + timedelta(days=7), not_claimed_by=("Anna Meier",),
                       working_days=5, topic_label="Bildung")
    stored = store.entry(REFERENCE)
    store.inquiries[REFERENCE] = replace(stored, escalations=(moved,))

    status = pages.look(REFERENCE, token())

    assert status is not None
    assert status.organisation == "Stadt Flensburg, Amt für Integration"


def test_the_status_names_no_person_no_address_and_not_the_message(
    pages: StatusPages,
) -> None:
    status = pages.look(REFERENCE, token())

    shown = repr(status) + repr(status.as_json() if status else None)
    for private in ("Zoë", "zoe@example.org", "Kita?", "Anna Meier",
                    "info@integration-flensburg.de"):
        assert private not in shown


def test_a_wrong_token_and_an_unknown_reference_look_the_same(pages: StatusPages) -> None:
    unknown = "ZZZZ-ZZZZ"

    assert pages.look(REFERENCE, "1.wrong") is None
    assert pages.look(unknown, TOKENS.issue(unknown, record().expires_at)) is None


def test_an_expired_inquiry_looks_like_an_unknown_one(
    pages: StatusPages, clock: MovableClock,
) -> None:
    clock.advance(seconds=(record().expires_at - clock()).total_seconds())

    assert pages.look(REFERENCE, token()) is None


@pytest.mark.parametrize("bad", ["", "1.wrong", "9999999999.AAAAAAAAAAAAAAAAAAAAAA"])
def test_the_token_is_checked_before_the_store_is_read(
    pages: StatusPages, store: ReadsRecordingStore, bad: str,
) -> None:
    """No oracle: without a good token the store is never asked whether it exists."""
    assert pages.look(REFERENCE, bad) is None
    assert pages.look("ZZZZ-ZZZZ", bad) is None
    assert pages.look("not a reference", TOKENS.issue("not a reference", START)) is None

    assert store.reads == []


def test_a_good_token_reads_the_store_once(
    pages: StatusPages, store: ReadsRecordingStore,
) -> None:
    pages.look(REFERENCE, token())

    assert store.reads == [REFERENCE]


# The confirmation email


def test_the_resident_s_confirmation_carries_the_status_link() -> None:
    links = replace(LINKS, status=StatusLinks(TOKENS, "https://wegweiser.example/api/"))
    inquiry = record()

    outgoing = build_email(EmailKind.RESIDENT, inquiry, Sender("noreply@wegweiser.example",
                                                               "Wegweiser"),
                           links, now=START)

    parts = {part.get_content_type(): part.get_payload(decode=True)
             for part in outgoing.message.walk() if not part.is_multipart()}
    text = bytes(parts["text/plain"]).decode()
    html = bytes(parts["text/html"]).decode()
    url = links.status.url(inquiry)
    assert "You can see here whether someone has taken on your inquiry:\n" + url in text
    assert f'href="{url}"' in html
