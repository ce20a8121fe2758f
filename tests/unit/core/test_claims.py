"""Claim links and claims (chalicelib/core/claims.py): a link claims one inquiry for the
contact it was sent to, until the inquiry's retention ends; the first claim stands.

With the in-memory store of tests/support/fakes.py and a clock the tests move.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.core.claims import ClaimLinks, Claims, ClaimTokens
from chalicelib.core.inquiry import Inquiry
from chalicelib.core.records import Escalation, InquiryRecord, Recipient, Step
from tests.support.clock import MovableClock
from tests.support.fakes import InMemoryInquiryStore

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
REFERENCE = "K7QM-X3PA"
TOKENS = ClaimTokens(b"a key for claim links in tests")
ANNA = Recipient(contact_key="anna-meier", name="Anna Meier",
                 email="info@integration-flensburg.de",
                 organisation="Integration in Flensburg e.V.", staff_language="de",
                 cc=("team@integration-flensburg.de",))
STEFAN = Recipient(contact_key="stefan-schulz", name="Stefan Schulz",
                   email="schulz.stefan@flensburg.de",
                   organisation="Stadt Flensburg, Amt für Integration", staff_language="en")


def record(reference: str = REFERENCE, retention_days: int = 180) -> InquiryRecord:
    return InquiryRecord(
        reference=reference, received_at=START,
        inquiry=Inquiry(email="zoe@example.org", topic="education", message="Kita?",
                        name="Zoë", language="en"),
        recipient=ANNA, topic_labels={"de": "Bildung", "en": "Education"},
        retention_days=retention_days, response_days=5, next_steps="")


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START + timedelta(hours=1))


@pytest.fixture
def store() -> InMemoryInquiryStore:
    store = InMemoryInquiryStore()
    store.add(record())
    return store


@pytest.fixture
def claims(store: InMemoryInquiryStore, clock: MovableClock) -> Claims:
    return Claims(store=store, tokens=TOKENS, clock=clock)


def token_for(holder: Recipient, inquiry: InquiryRecord | None = None) -> str:
    inquiry = inquiry or record()
    return TOKENS.issue(inquiry.reference, holder.contact_key, inquiry.expires_at)


# The token


def test_a_token_names_the_contact_it_was_issued_to_for_its_inquiry_only() -> None:
    token = token_for(ANNA)

    assert TOKENS.contact(REFERENCE, token, START) == "anna-meier"
    assert TOKENS.contact("ZZZZ-ZZZZ", token, START) is None, "another inquiry's"


def test_a_token_is_useless_once_the_inquiry_s_retention_has_ended() -> None:
    token = token_for(ANNA)
    end = record().expires_at

    assert TOKENS.contact(REFERENCE, token, end - timedelta(seconds=1)) == "anna-meier"
    assert TOKENS.contact(REFERENCE, token, end) is None


@pytest.mark.parametrize("change", [
    pytest.param(lambda t: t.replace("anna-meier", "stefan-schulz"), id="another-contact"),
    pytest.param(lambda t: t.replace(t.split(".")[1], str(int(t.split(".")[1]) + 86400)),
                 id="a-later-expiry"),
    pytest.param(lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), id="a-changed-signature"),
    pytest.param(lambda t: t.rsplit(".", 1)[0], id="no-signature"),
    pytest.param(lambda t: t + ".x", id="one-part-too-many"),
    pytest.param(lambda t: "", id="empty"),
    pytest.param(lambda t: t.replace("anna", "änna"), id="not-ascii"),
    pytest.param(lambda t: t + "A" * 300, id="very-long"),
])
def test_a_token_changed_in_any_way_names_nobody(change: object) -> None:
    assert callable(change)
    assert TOKENS.contact(REFERENCE, change(token_for(ANNA)), START) is None


def test_a_token_from_another_stage_s_key_names_nobody() -> None:
    other = ClaimTokens(b"another stage's key for claim links")

    assert other.contact(REFERENCE, token_for(ANNA), START) is None


def test_the_link_is_the_api_root_plus_claim_and_the_reference_with_the_token() -> None:
    url = ClaimLinks(TOKENS, "https://wegweiser.example/api").url(record(), ANNA)

    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https", "wegweiser.example", f"/api/claim/{REFERENCE}")
    (token,) = parse_qs(parts.query)["t"]
    assert TOKENS.contact(REFERENCE, token, START) == "anna-meier"


# Looking and claiming


def test_looking_at_the_page_changes_nothing(
    claims: Claims, store: InMemoryInquiryStore, clock: MovableClock,
) -> None:
    before = store.get(REFERENCE, clock())

    view = claims.look(REFERENCE, token_for(ANNA))

    assert view is not None
    assert (view.holder, view.topic_label, view.claim) == (ANNA, "Bildung", None)
    assert store.get(REFERENCE, clock()) == before


def test_claiming_records_the_link_s_contact_and_the_time(
    claims: Claims, store: InMemoryInquiryStore, clock: MovableClock,
) -> None:
    view = claims.claim(REFERENCE, token_for(ANNA))

    assert view is not None and view.claim is not None and view.claimed_now
    assert (view.claim.contact_key, view.claim.name) == ("anna-meier", "Anna Meier")
    assert abs(view.claim.at - clock()) < timedelta(seconds=1)
    stored = store.get(REFERENCE, clock())
    assert stored is not None and stored.claim == view.claim


def test_claiming_twice_is_harmless_and_the_first_claim_stands(
    claims: Claims, store: InMemoryInquiryStore, clock: MovableClock,
) -> None:
    escalated = Escalation(Step.ESCALATE, to=STEFAN, previous=ANNA, at=START,
                           not_claimed_by=("Anna Meier",), working_days=5,
                           topic_label="Education")
    store.inquiries[REFERENCE].escalations = (escalated,)
    first = claims.claim(REFERENCE, token_for(ANNA))
    clock.advance(hours=3)

    again = claims.claim(REFERENCE, token_for(ANNA))
    colleague = claims.claim(REFERENCE, token_for(STEFAN))

    assert first is not None and again is not None and colleague is not None
    assert again.claim == colleague.claim == first.claim
    assert not again.claimed_now and not colleague.claimed_now
    assert (colleague.holder, colleague.topic_label) == (STEFAN, "Education")


@pytest.mark.parametrize("reference", ["ZZZZ-ZZZZ", "k7qm-x3pa", "../../etc", ""])
def test_an_unknown_or_malformed_reference_has_no_page(claims: Claims, reference: str) -> None:
    assert claims.look(reference, TOKENS.issue(reference, "anna-meier",
                                               START + timedelta(days=1))) is None


def test_a_valid_token_for_someone_who_never_had_the_inquiry_has_no_page(
    claims: Claims,
) -> None:
    assert claims.look(REFERENCE, token_for(STEFAN)) is None
    assert claims.claim(REFERENCE, token_for(STEFAN)) is None


def test_an_expired_inquiry_has_no_page_even_with_its_own_link(
    claims: Claims, clock: MovableClock,
) -> None:
    token = token_for(ANNA)
    clock.advance(days=181)

    assert claims.look(REFERENCE, token) is None
    assert claims.claim(REFERENCE, token) is None


def test_a_holder_s_page_is_in_their_own_staff_language(
    claims: Claims, store: InMemoryInquiryStore,
) -> None:
    escalated = Escalation(Step.ESCALATE, to=STEFAN, previous=ANNA, at=START,
                           not_claimed_by=("Anna Meier",), working_days=5,
                           topic_label="Education")
    store.inquiries[REFERENCE].escalations = (escalated,)

    view = claims.look(REFERENCE, token_for(STEFAN))

    assert view is not None
    assert (view.holder.staff_language, view.topic_label) == ("en", "Education")
