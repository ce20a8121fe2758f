"""The pieces of the go-live hardening, one by one, with fakes (the attacks themselves,
through the app, are in tests/functional/test_hardening.py)."""

from __future__ import annotations

import io
import json
import logging
import unicodedata
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from chalicelib.core.combining_marks import COMBINING_MARKS
from chalicelib.core.emails import Sender, build_email, wire_bytes
from chalicelib.core.inquiry import Inquiry
from chalicelib.core.rate_limit import RateLimit, RateLimited, client_network
from chalicelib.core.records import EmailKind, InquiryRecord, Recipient
from chalicelib.core.telemetry import ALARM_METRICS, KINDS, Event, JsonLines, emit, metric_counts
from tests.support.fakes import InMemoryCounter
from tests.support.loop import LINKS, with_every_email

# When the emails are built: their Date header.
SENT_AT = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


# 1. The table of combining marks


def test_the_combining_marks_table_is_every_code_point_with_a_combining_class() -> None:
    import re

    in_table = re.compile(f"[{COMBINING_MARKS}]")
    wrong = [hex(cp) for cp in range(0x110000)
             if bool(in_table.match(chr(cp))) != (unicodedata.combining(chr(cp)) != 0)]

    assert wrong == []


# 2. The rate limit per client network


def limit_of_three() -> RateLimit:
    return RateLimit(InMemoryCounter(), b"a key for address digests", per_hour=3)


def test_ten_ipv6_addresses_of_one_64_network_share_one_limit() -> None:
    limit = limit_of_three()
    addresses = [f"2001:db8:1:2::{n:x}" for n in range(1, 11)]
    for address in addresses[:3]:
        limit.check(address, NOW)

    refused = 0
    for address in addresses[3:]:
        with pytest.raises(RateLimited):
            limit.check(address, NOW)
        refused += 1

    assert refused == 7


def test_another_64_network_and_another_ipv4_address_have_their_own_limits() -> None:
    limit = limit_of_three()
    for _ in range(3):
        limit.check("2001:db8:1:2::1", NOW)

    limit.check("2001:db8:1:3::1", NOW)
    limit.check("192.0.2.7", NOW)


@pytest.mark.parametrize(("address", "network"), [
    ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
    ("::ffff:192.0.2.7", "192.0.2.7"),
    ("192.0.2.7", "192.0.2.7"),
    ("not an address", "not an address"),
])
def test_a_client_is_its_ipv4_address_or_its_ipv6_64_network(address: str, network: str) -> None:
    assert client_network(address) == network


# 5. No text of the routing ever breaks a header


def record_with(contact_name: str, label: str) -> InquiryRecord:
    return InquiryRecord(
        reference="K7QM-X3PA", received_at=NOW,
        inquiry=Inquiry(email="amal@example.org", topic="work", message="Hallo", name="",
                        language="ar"),
        recipient=Recipient(contact_key="stefan-schulz", name=contact_name,
                            email="schulz.stefan@flensburg.de",
                            organisation="Stadt Flensburg", staff_language="de"),
        topic_labels={"de": label, "ar": label}, retention_days=180, response_days=5,
        next_steps="")


@pytest.mark.parametrize("kind", list(EmailKind))
def test_a_line_break_in_a_name_or_label_never_adds_a_header(kind: EmailKind) -> None:
    record = record_with("Stefan\r\nBcc: eve@evil.example", "Arbeit\r\nBcc: eve@evil.example")
    outgoing = build_email(kind, with_every_email(record),
                           Sender("w@wegweiser.test", "Wegweiser\r\nX-Evil: 1"), LINKS, now=SENT_AT)

    received = message_from_bytes(wire_bytes(outgoing.message), policy=policy.default)

    assert received["Bcc"] is None and received["X-Evil"] is None
    assert all("\n" not in str(value) for value in received.values())


# Alarms from metrics, not from log text


def json_lines_of(emitting: list[tuple[Event, str]]) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines(namespace="Wegweiser/test"))
    logger = logging.getLogger("wegweiser")
    logger.addHandler(handler)
    try:
        for event, text in emitting:
            emit(event, text, reference="K7QM-X3PA", kind="staff")
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_an_event_is_one_json_line_with_its_metric_in_embedded_metric_format() -> None:
    (line,) = json_lines_of([(Event.EMAIL_REFUSED, "anything at all")]).splitlines()
    record = json.loads(line)

    assert record["event"] == "email_refused"
    assert record["reference"] == "K7QM-X3PA" and record["kind"] == "staff"
    assert record["EmailsRefused"] == 1
    (directive,) = record["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Wegweiser/test"
    assert directive["Metrics"] == [{"Name": "EmailsRefused", "Unit": "Count"}]


def test_every_alarming_event_counts_its_metric_whatever_its_message_says() -> None:
    alarming = [event for event, kind in KINDS.items() if kind.alarm]
    lines = json_lines_of([(event, "a message reworded beyond recognition")
                           for event in alarming])

    assert metric_counts(lines) == {KINDS[event].metric: 1 for event in alarming}
    assert set(metric_counts(lines)) == ALARM_METRICS
