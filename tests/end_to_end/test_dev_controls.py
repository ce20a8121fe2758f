"""The dev controls of `make run`, over real HTTP: the dev clock (GET/POST /clock on the
outbox), the inquiries' state on the outbox page, ROUTING_FILE, and the SES mailbox
simulator's bounce and complaint through the app's feedback handler.

The tests that move the clock share one runner of their own (the session's runner
keeps its clock): it starts at DEV_CLOCK_START and serves a copy of the bundled
routing in which the Red Cross's press office, the first contact of `press` and
`health`, has the simulator's bounce address. Each test moves the clock only forward
and checks what its move changed, so the order of the tests does not matter.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.dev_clock import DevClock
from devstack.outbox import DevControls, serve_outbox
from devstack.process import RunningStack, free_port, start_stack
from tests.end_to_end.conftest import PROJECT_DIR, Runner

CLOCK_START = "2026-12-01T09:00:00+01:00"
BUNDLED_ROUTING = PROJECT_DIR / "chalicelib" / "routing.toml"
BOUNCE = "bounce@simulator.amazonses.com"
COMPLAINT = "complaint@simulator.amazonses.com"


@dataclass
class MovedStack:
    stack: RunningStack
    clock_at_start: datetime  # the first GET /clock, before any test moved it


@pytest.fixture(scope="module")
def moved(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MovedStack]:
    routing = tmp_path_factory.mktemp("routing") / "routing.toml"
    text = BUNDLED_ROUTING.read_text(encoding="utf-8")
    assert 'email = "presse@drk.de"' in text
    routing.write_text(text.replace('email = "presse@drk.de"', f'email = "{BOUNCE}"'),
                       encoding="utf-8")
    stack = start_stack(DEV_CLOCK_START=CLOCK_START, ROUTING_FILE=str(routing),
                        MIN_FILL_SECONDS="1")
    try:
        yield MovedStack(stack, stack.clock_now())
    finally:
        stack.stop()


# ------------------------------------------------------------------ helpers


def post_json(url: str, body: object) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


def form_token(stack: RunningStack) -> str:
    with urllib.request.urlopen(stack.form_url + "form-token", timeout=10) as answer:
        token: str = json.load(answer)["form_token"]
    return token


def submit(stack: RunningStack, topic: str, email: str = "amal@example.org",
           token: str | None = None) -> tuple[int, dict[str, Any]]:
    if token is None:
        token = form_token(stack)
        time.sleep(1.1)  # longer than MIN_FILL_SECONDS
    return post_json(stack.form_url + "inquiries", {
        "email": email, "topic": topic, "language": "en", "form_token": token,
        "message": "Ich habe eine Frage.",
    })


def accepted(stack: RunningStack, topic: str, email: str = "amal@example.org") -> str:
    status, answer = submit(stack, topic, email)
    assert status == 201, answer
    reference: str = answer["reference"]
    return reference


def outbox_page(stack: RunningStack) -> str:
    with urllib.request.urlopen(stack.outbox_url, timeout=10) as answer:
        return str(answer.read().decode())


def state_row(page: str, reference: str) -> list[str]:
    """The cells of the inquiry's row in the outbox's state table, as text."""
    row = re.search(rf'<tr><td><a href="#inquiry-{reference}">.*?</tr>', page)
    assert row is not None, f"no state row for {reference}"
    return [re.sub(r"<[^>]+>", " ", cell).strip()
            for cell in re.findall(r"<td>(.*?)</td>", row.group(0))]


def log_lines(stack: RunningStack) -> list[dict[str, Any]]:
    """The runner's JSON log lines (its other output is plain text)."""
    lines = []
    for line in list(stack.output):
        try:
            parsed = json.loads(line)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            lines.append(parsed)
    return lines


def wait_for_log(stack: RunningStack, matches: Callable[[dict[str, Any]], bool],
                 timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [line for line in log_lines(stack) if matches(line)]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError("no such log line:\n" + "".join(stack.output[-30:]))


def near(moment: datetime, expected: datetime, within: timedelta = timedelta(minutes=1)) -> bool:
    return abs(moment - expected) < within


# ------------------------------------------------------------------ the clock


def test_the_dev_clock_starts_at_dev_clock_start(moved: MovedStack) -> None:
    assert near(moved.clock_at_start, datetime.fromisoformat(CLOCK_START))
    assert moved.clock_at_start.utcoffset() is not None, "ISO 8601 with an offset"


def test_get_clock_answers_iso_8601_with_an_offset_as_json(runner: Runner) -> None:
    with urllib.request.urlopen(runner.outbox_url + "clock", timeout=10) as answer:
        assert answer.headers["Content-Type"] == "application/json"
        now = json.load(answer)["now"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", now)
    assert datetime.fromisoformat(now).utcoffset() is not None


def test_advancing_hours_moves_the_clock_by_those_hours(moved: MovedStack) -> None:
    before = moved.stack.clock_now()
    after = moved.stack.advance(hours=3)
    assert timedelta(hours=3) <= after - before < timedelta(hours=3, minutes=1)
    assert near(moved.stack.clock_now(), after)


def test_advancing_days_moves_the_clock_by_days_of_24_hours(moved: MovedStack) -> None:
    before = moved.stack.clock_now()
    after = moved.stack.advance(days=1.5)
    assert timedelta(hours=36) <= after - before < timedelta(hours=36, minutes=1)


@pytest.mark.parametrize("body", [
    b"not json", b"", b"[1]", {}, {"advance_days": -1}, {"advance_hours": "2"},
    {"advance_days": True}, {"advance_weeks": 1}, {"advance_days": 1, "reset": True},
    {"advance_days": 1e9},
], ids=["not-json", "empty", "a-list", "no-field", "negative", "text", "boolean",
        "unknown-field", "extra-field", "too-far"])
def test_a_bad_clock_request_is_refused_with_400_and_leaves_the_clock(
        moved: MovedStack, body: object) -> None:
    before = moved.stack.clock_now()
    status, answer = post_json(moved.stack.outbox_url + "clock", body)
    assert status == 400
    assert answer["error"]
    assert near(moved.stack.clock_now(), before, timedelta(seconds=30))


def test_a_form_token_issued_before_two_days_pass_is_refused_as_expired(
        moved: MovedStack) -> None:
    token = form_token(moved.stack)
    time.sleep(1.1)
    moved.stack.advance(days=2)
    status, answer = submit(moved.stack, "education", token=token)
    assert status == 422
    assert answer["errors"]["form_token"].startswith("The form was open for a long time")


class StuckDelivery:
    """A worker whose schedules queue a delivery that never finishes (or, `stuck_already`,
    one that was stuck before the move)."""

    def __init__(self, stuck_already: bool) -> None:
        self.schedule_runs = 0
        self.stuck = stuck_already

    def run_schedules(self) -> None:
        self.schedule_runs += 1
        self.stuck = True

    def queue_is_empty(self) -> bool:
        return not self.stuck


@pytest.mark.parametrize(("stuck_already", "moved_by", "schedule_runs"), [
    (False, timedelta(hours=2), 1), (True, timedelta(), 0)], ids=["after", "before"])
def test_a_clock_move_whose_deliveries_never_finish_answers_504_instead_of_hanging(
        tmp_path: Path, stuck_already: bool, moved_by: timedelta, schedule_runs: int) -> None:
    clock = DevClock(tmp_path / "offset")
    worker = StuckDelivery(stuck_already)
    port = free_port()
    server = serve_outbox("http://127.0.0.1:1", port,
                          DevControls(clock, worker, settle_timeout=0.5))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        status, answer = post_json(f"http://127.0.0.1:{port}/clock", {"advance_hours": 2})
    finally:
        server.shutdown()
        server.server_close()
    assert status == 504
    assert "deliveries still running" in answer["error"]
    assert worker.schedule_runs == schedule_runs
    assert moved_by <= clock.offset() < moved_by + timedelta(seconds=1)
    assert near(datetime.fromisoformat(answer["now"]), clock())


# ------------------------------------------------------------------ the outbox's state


def test_the_outbox_shows_an_inquiry_received_then_reminded_then_claimed(
        moved: MovedStack) -> None:
    stack = moved.stack
    reference = accepted(stack, "education")
    staff = next(e for e in stack.emails_about(reference) if reference in e.subject
                 and "info@integration-flensburg.de" in e.recipients)
    cells = state_row(outbox_page(stack), reference)
    assert cells[:2] == [reference, "received"]
    assert cells[3:5] == ["education", "anna-meier"]
    assert cells[8].startswith("remind due ")

    # Four calendar days hold a working day whenever it was received (no holiday near).
    stack.advance(days=4)
    # The reminder was sent before POST /clock answered: no waiting here.
    assert any("Erinnerung" in e.subject for e in stack.emails_about(reference, timeout=0))
    cells = state_row(outbox_page(stack), reference)
    assert cells[1] == "reminded"
    assert cells[5] != "—"

    link = re.search(r"http://127\.0\.0\.1:\d+/claim/[^\s\"<>]+", staff.text)
    assert link is not None, staff.text
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link.group(0)).query)
    request = urllib.request.Request(
        stack.form_url + f"claim/{reference}", method="POST",
        data=urllib.parse.urlencode({"t": query["t"][0]}).encode())
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
    page = outbox_page(stack)
    cells = state_row(page, reference)
    assert cells[1] == "claimed"
    assert cells[7].startswith("anna-meier at ")
    assert f'id="inquiry-{reference}"' in page, "the emails are grouped under the inquiry"


# ------------------------------------------------------------------ routing file, simulator


def test_the_routing_file_is_served_and_a_bounce_of_its_contact_alarms_in_the_feedback_handler(
        moved: MovedStack) -> None:
    served = [line for line in moved.stack.output if line.startswith("Routing:")]
    assert served and "served from s3://" in served[0], served
    # The only press inquiry of the module: after the bounce, the app may pass the
    # topic's inquiries on to the deputy for a while.
    reference = accepted(moved.stack, "press")
    recipients = {e.recipients for e in moved.stack.emails_about(reference)}
    assert (BOUNCE,) in recipients, "the press office's address of ROUTING_FILE"

    alarm = wait_for_log(moved.stack, lambda line: line.get("event") == "contact_bounced"
                         and line.get("contact") == "andrea-becker"
                         and line.get("reference", reference) == reference)
    assert alarm["level"] == "ERROR"
    assert alarm["message"].startswith("ALARM Bounce for contact andrea-becker")


def test_a_mail_to_the_complaint_simulator_reaches_the_feedback_handler_as_a_complaint(
        moved: MovedStack) -> None:
    def complaints() -> int:
        return sum(line.get("event") == "complaint" for line in log_lines(moved.stack))

    before = complaints()
    accepted(moved.stack, "education", email=COMPLAINT)  # the resident's confirmation
    deadline = time.monotonic() + 20
    while complaints() == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert complaints() > before, "".join(moved.stack.output[-30:])


# ------------------------------------------------------------------ refused starts


def test_a_broken_routing_file_stops_the_start_with_the_checkers_output(
        tmp_path: Path) -> None:
    broken = tmp_path / "routing.toml"
    broken.write_text(BUNDLED_ROUTING.read_text(encoding="utf-8").replace(
        'fallback_topic = "other"', 'fallback_topic = "others"'), encoding="utf-8")
    checker = subprocess.run(
        [str(PROJECT_DIR / ".venv" / "bin" / "wegweiser"), "check", "--stage", "dev",
         str(broken)], cwd=PROJECT_DIR, capture_output=True, text=True, check=False)
    assert checker.returncode == 1
    assert "fallback_topic: 'others' is not a topic" in checker.stdout

    with pytest.raises(RuntimeError) as refused:
        start_stack(ROUTING_FILE=str(broken))
    message = str(refused.value)
    assert "(exit 1)" in message
    for line in checker.stdout.splitlines():
        assert line in message
    assert "Wegweiser form:" not in message, "nothing was started"


def test_a_dev_clock_start_that_is_no_time_stops_the_start_with_a_clear_message() -> None:
    with pytest.raises(RuntimeError) as refused:
        start_stack(DEV_CLOCK_START="next tuesday")
    message = str(refused.value)
    assert "(exit 1)" in message
    assert "DEV_CLOCK_START: 'next tuesday' is not an ISO 8601 time" in message
