"""The dev outbox of `make run`: the emails the emulator's SES "sent", each inquiry's
state, and the dev clock's controls, on a port of its own.

moto keeps every raw message given to SES v2 `send_email` (Content.Raw); its
/moto-api/data.json returns them. Tests read the same list to check who got what.
The page shows them newest first, grouped under the inquiry their subject names,
below a table of each inquiry's state as the store reads it from the table
(received, reminded, escalated, claimed; the next step and when it is due).

`GET /clock` and `POST /clock` ({"advance_days": N} or {"advance_hours": N}) read
and move the dev stack's clock (chalicelib/dev_clock.py): a move runs every schedule
once and answers when the deliveries they queued are done. This server belongs to
`make run` alone: it is not part of the app and exists in no deployed stage.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import math
import re
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Protocol

# The store's own reading of an item, so the page shows what the app sees.
from chalicelib.aws.dynamodb_store import INQUIRY_PREFIX, _from_item
from chalicelib.core.local_time import flensburg_time
from chalicelib.core.records import InquiryRecord
from chalicelib.core.references import ALPHABET

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from chalicelib.dev_clock import DevClock
    from devstack.ses_simulator import SesSimulator

log = logging.getLogger("wegweiser.devstack")


@dataclass(frozen=True)
class SentEmail:
    message_id: str
    recipients: tuple[str, ...]
    message: EmailMessage

    def header(self, name: str) -> str:
        value = self.message[name]
        return "" if value is None else str(value)

    @property
    def subject(self) -> str:
        return self.header("Subject")

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        if body is None:
            return ""
        return body.get_content()  # type: ignore[no-any-return]

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def html(self) -> str:
        return self.part("html")


def sent_emails(endpoint_url: str) -> list[SentEmail]:
    """Every email SES accepted, oldest first."""
    with urllib.request.urlopen(f"{endpoint_url}/moto-api/data.json", timeout=10) as answer:  # noqa: S310 - the emulator's own URL
        data = json.load(answer)
    emails = []
    for raw in data.get("ses", {}).get("RawMessage", []):
        message = email.message_from_string(raw["raw_data"], policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        # The addresses of the To header, as a mail client shows them (moto's own
        # "destinations" repeats them, once from the API call, once from the header).
        recipients = tuple(address.addr_spec for address in message["To"].addresses)
        emails.append(SentEmail(raw["id"], recipients, message))
    return emails


# ------------------------------------------------------------------ the inquiries' state


def inquiry_records(client: DynamoDBClient, table_name: str) -> tuple[list[InquiryRecord], int]:
    """Every inquiry item of the table, read as the store reads it; and how many items
    could not be read (an item the store's parsing does not know)."""
    records: list[InquiryRecord] = []
    unreadable = 0
    pages = client.get_paginator("scan").paginate(
        TableName=table_name, ConsistentRead=True,
        FilterExpression="begins_with(pk, :prefix)",
        ExpressionAttributeValues={":prefix": {"S": INQUIRY_PREFIX}},
    )
    for page in pages:
        for item in page["Items"]:
            try:
                records.append(_from_item(item))
            except (KeyError, ValueError, TypeError):
                unreadable += 1
    return records, unreadable


def inquiry_state(record: InquiryRecord) -> str:
    """Where the inquiry stands: received, reminded, escalated, claimed."""
    if record.claim is not None:
        return "claimed"
    if record.escalations:
        return "escalated" if len(record.escalations) == 1 else "escalated again"
    if record.reminded_at is not None:
        return "reminded"
    return "received"


_REFERENCE = re.compile(f"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}")


def reference_in(subject: str, known: Iterable[str]) -> str | None:
    """The inquiry an email's subject names: a known reference, else anything shaped like one."""
    for reference in known:
        if reference in subject:
            return reference
    match = _REFERENCE.search(subject)
    return match.group(0) if match else None


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return flensburg_time(moment).isoformat(sep=" ", timespec="minutes")


def _state_row(record: InquiryRecord, emails: int) -> str:
    escalations = "<br>".join(
        f"{escape(e.to.contact_key)} at {_when(e.at)}" for e in record.escalations) or "—"
    claimed = (f"{escape(record.claim.contact_key)} at {_when(record.claim.at)}"
               if record.claim else "—")
    next_step = (f"{escape(record.step)} due {_when(record.due_at)}"
                 if record.step is not None else "—")
    cells = (f'<a href="#inquiry-{escape(record.reference)}">{escape(record.reference)}</a>',
             escape(inquiry_state(record)), _when(record.received_at),
             escape(record.inquiry.topic), escape(record.holder.contact_key),
             _when(record.reminded_at), escalations, claimed, next_step, str(emails))
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def _email_article(sent: SentEmail) -> str:
    headers = "".join(
        f"<dt>{escape(name)}</dt><dd>{escape(sent.header(name))}</dd>"
        for name in ("From", "To", "Cc", "Reply-To", "Subject", "Date", "Auto-Submitted",
                     "Content-Language")
        if sent.header(name)
    )
    return (
        f'<article><h3 dir="auto">{escape(sent.subject)}</h3><dl>{headers}</dl>'
        f'<iframe sandbox title="{escape(sent.subject)}" srcdoc="{escape(sent.html)}"></iframe>'
        f"<details><summary>Text part</summary><pre>{escape(sent.text)}</pre></details>"
        "</article>"
    )


STATE_COLUMNS = ("reference", "state", "received", "topic", "holder", "reminded",
                 "escalations", "claimed", "next step", "emails")


def outbox_page(emails: list[SentEmail], records: Iterable[InquiryRecord] = (),
                now: datetime | None = None, unreadable: int = 0) -> str:
    """Every email, newest first, under the inquiry it is about; the inquiries' state on top."""
    by_reference = {record.reference: record for record in records}
    groups: dict[str | None, list[int]] = {}  # reference (None: none) -> indexes, oldest first
    for index, sent in enumerate(emails):
        groups.setdefault(reference_in(sent.subject, by_reference), []).append(index)
    for known in by_reference:
        groups.setdefault(known, [])
    # The inquiry with the newest email first; one without an email yet is newest of all.
    order: list[str | None] = sorted(
        (reference for reference in groups if reference is not None),
        key=lambda r: groups[r][-1] if groups[r] else len(emails), reverse=True)

    rows = "".join(_state_row(by_reference[r], len(groups[r]))
                   for r in order if r is not None and r in by_reference)
    state = (
        "<h2>Inquiries</h2><table><thead><tr>"
        + "".join(f"<th>{name}</th>" for name in STATE_COLUMNS)
        + f"</tr></thead><tbody>{rows}</tbody></table>"
        if rows else "<p>No inquiry in the table yet.</p>"
    )
    if unreadable:
        state += f"<p>{unreadable} inquiry items could not be read.</p>"
    sections = []
    for reference in [*order, None]:  # the emails about no inquiry last
        indexes = groups.get(reference, [])
        if reference is None and not indexes:
            continue
        record = by_reference.get(reference) if reference else None
        if reference is None:
            title = "Emails about no inquiry"
        elif record is None:
            title = f"Inquiry {escape(reference)} (not in the table)"
        else:
            title = f"Inquiry {escape(reference)}: {escape(inquiry_state(record))}"
        articles = "".join(_email_article(emails[i]) for i in reversed(indexes))
        anchor = f' id="inquiry-{escape(reference)}"' if reference else ""
        sections.append(f"<section{anchor}><h2>{title}</h2>"
                        f"{articles or '<p>No email yet.</p>'}</section>")
    body = "".join(sections) or "<p>No email sent yet. Send the form, then reload this page.</p>"
    clock = f"<p>Dev clock: {_when(now)} (GET/POST /clock)</p>" if now is not None else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Dev outbox – Wegweiser</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:72rem;margin:auto;padding:1rem}"
        "section{border-top:3px solid #666;margin:2rem 0}"
        "article{border:1px solid #999;margin:1rem 0;padding:1rem}"
        "table{border-collapse:collapse;font-size:.9rem}"
        "th,td{border:1px solid #ccc;padding:.2rem .4rem;text-align:start;vertical-align:top}"
        "dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:700}"
        "iframe{width:100%;height:28rem;border:1px solid #ccc}</style></head><body>"
        f"<h1>Dev outbox: {len(emails)} emails sent through the emulator's SES</h1>"
        f"{clock}{state}{body}</body></html>"
    )


# ------------------------------------------------------------------ the dev clock


MAX_ADVANCE = timedelta(days=3660)  # ten years at a time is plenty for any test
SETTLE_TIMEOUT = 90.0  # seconds; a failed delivery comes back after the visibility timeout
QUIET_CHECKS = 3  # idle this many times in a row before POST /clock answers
CHECK_INTERVAL = 0.1  # seconds between two checks


class ClockRequestError(ValueError):
    """A POST /clock body that is not {"advance_days": N} or {"advance_hours": N}."""


class DeliveriesStillRunning(RuntimeError):
    """The deliveries the schedules queued were not done within the timeout."""


def parse_advance(body: bytes) -> timedelta:
    """How far POST /clock's JSON body moves the clock; ClockRequestError says why not."""
    try:
        request = json.loads(body)
    except (ValueError, RecursionError):
        raise ClockRequestError("the body must be JSON: {\"advance_days\": N} or "
                                "{\"advance_hours\": N}") from None
    units = {"advance_days": 24.0, "advance_hours": 1.0}
    if not isinstance(request, dict) or not request or set(request) - set(units):
        raise ClockRequestError("expected {\"advance_days\": N} or {\"advance_hours\": N}")
    hours = 0.0
    for name, value in request.items():
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not math.isfinite(value) or value < 0):
            raise ClockRequestError(f"{name} must be a number of 0 or more, not {value!r}")
        hours += value * units[name]
    if hours * 3600 > MAX_ADVANCE.total_seconds():
        raise ClockRequestError(f"at most {MAX_ADVANCE.days} days at a time")
    return timedelta(hours=hours)


class Schedules(Protocol):
    """What POST /clock needs of the local worker (devstack/worker.py's LocalWorker)."""

    def run_schedules(self) -> None: ...

    def queue_is_empty(self) -> bool: ...


@dataclass
class DevControls:
    """The dev clock, and what POST /clock does with it: move it, run the schedules,
    wait until what they queued has been delivered (and its SES feedback reported)."""

    clock: DevClock
    worker: Schedules
    simulator: SesSimulator | None = None
    settle_timeout: float = SETTLE_TIMEOUT
    _moving: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> datetime:
        return self.clock()

    def advance(self, by: timedelta) -> datetime:
        """Move the clock forward, run every schedule once, wait for the deliveries."""
        with self._moving:  # one move at a time: each waits for its own deliveries
            # First what is on its way now (an inquiry just sent): a sweep on the moved
            # clock would take its delivery for stalled and queue it a second time.
            self.wait_until_idle("before the move; the clock did not move", checks=1)
            self.clock.set_offset(self.clock.offset() + by)
            self.worker.run_schedules()
            self.wait_until_idle("after the move")
            return self.clock()

    def idle(self) -> bool:
        return self.worker.queue_is_empty() and (
            self.simulator is None or self.simulator.pending == 0)

    def wait_until_idle(self, when: str = "", checks: int = QUIET_CHECKS) -> None:
        """Until nothing is queued, in flight or waiting for SES feedback, `checks` times
        in a row; DeliveriesStillRunning after the timeout."""
        deadline = time.monotonic() + self.settle_timeout
        quiet = 0
        while quiet < checks:
            if time.monotonic() > deadline:
                raise DeliveriesStillRunning(
                    f"deliveries still running after {self.settle_timeout:g} s"
                    + (f" ({when})" if when else ""))
            quiet = quiet + 1 if self.idle() else 0
            if quiet < checks:
                time.sleep(CHECK_INTERVAL)


def _clock_json(now: datetime) -> dict[str, str]:
    return {"now": now.isoformat(timespec="milliseconds")}


def serve_outbox(
    endpoint_url: str,
    port: int,
    controls: DevControls | None = None,
    inquiries: Callable[[], tuple[list[InquiryRecord], int]] | None = None,
) -> ThreadingHTTPServer:
    """An HTTP server (not yet started) on 127.0.0.1:port: the outbox page at `/`, with
    the inquiries' state when `inquiries` reads them, and the dev clock at `/clock`."""

    class OutboxHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            if path == "/clock" and controls is not None:
                self._json(200, _clock_json(controls.now()))
            elif path == "/":
                records, unreadable = inquiries() if inquiries is not None else ([], 0)
                now = controls.now() if controls is not None else None
                page = outbox_page(sent_emails(endpoint_url), records, now, unreadable)
                self._send(200, "text/html; charset=utf-8", page.encode())
            else:
                self._json(404, {"error": f"no page {path}"})

        def do_POST(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            if path != "/clock" or controls is None:
                self._json(404, {"error": f"no page {path}"})
                return
            try:
                length = int(self.headers.get("Content-Length") or "0")
            except ValueError:
                length = -1
            if not 0 <= length <= 10_000:
                self._json(400, {"error": "send a small JSON body with Content-Length"})
                return
            try:
                by = parse_advance(self.rfile.read(length))
            except ClockRequestError as error:
                self._json(400, {"error": str(error), **_clock_json(controls.now())})
                return
            try:
                now = controls.advance(by)
            except DeliveriesStillRunning as error:
                self._json(504, {"error": str(error), **_clock_json(controls.now())})
                return
            except Exception as error:  # a schedule failed: say so, keep serving
                log.exception("POST /clock failed")
                self._json(500, {"error": f"{type(error).__name__}: {error}",
                                 **_clock_json(controls.now())})
                return
            self._json(200, _clock_json(now))

        def _json(self, status: int, answer: dict[str, str]) -> None:
            self._send(status, "application/json", json.dumps(answer).encode())

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: the terminal shows the app's log

    return ThreadingHTTPServer(("127.0.0.1", port), OutboxHandler)
