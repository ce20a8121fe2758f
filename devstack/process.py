"""Start `python -m devstack` (what `make run` runs) as a child process, for tests and `make load`.

It waits until the runner prints its URLs, keeps draining its output (so a full pipe
never blocks it), and stops it with SIGINT, as Ctrl-C would. `clock_now` and `advance`
read and move the runner's dev clock through the outbox's /clock.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from devstack.outbox import SentEmail, sent_emails

PROJECT_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningStack:
    form_url: str
    outbox_url: str
    emulator_url: str
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)  # every line the runner printed
    _drain: threading.Thread | None = None

    def emails_about(self, reference: str, timeout: float = 30) -> list[SentEmail]:
        """The emails SES accepted for one inquiry, once both are there (or at the timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            emails = [e for e in sent_emails(self.emulator_url) if reference in e.subject]
            if len(emails) >= 2 or time.monotonic() > deadline:
                return emails
            time.sleep(0.2)

    def clock_now(self) -> datetime:
        """The dev stack's clock (GET /clock on the outbox)."""
        with urllib.request.urlopen(self.outbox_url + "clock", timeout=10) as answer:  # noqa: S310 - our own runner
            return datetime.fromisoformat(json.load(answer)["now"])

    def advance(self, days: float = 0, hours: float = 0, timeout: float = 120) -> datetime:
        """Move the dev clock forward (POST /clock): the schedules run once and their
        deliveries are done when it answers; the clock's new time."""
        body = {"advance_days": days} if days else {}
        if hours or not days:
            body["advance_hours"] = hours
        request = urllib.request.Request(  # noqa: S310 - our own runner
            self.outbox_url + "clock", data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - our own runner
            return datetime.fromisoformat(json.load(answer)["now"])

    def stop(self) -> int:
        """Ctrl-C the runner; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # never leave a runner behind
            self.process.kill()
            code = self.process.wait(timeout=10)
        if self._drain is not None:
            self._drain.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return code


def start_stack(**environment: str) -> RunningStack:
    """Start a runner with its own moto server on free ports; `environment` adds variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(PORT=str(free_port()), OUTBOX_PORT=str(free_port()), **environment)
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack"],
        cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert process.stdout is not None
    output: list[str] = []
    urls: dict[str, str] = {}
    deadline = time.monotonic() + 60
    ready = False  # the runner's last line of its start: everything it prints is in `output`
    while not ready and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line)
        if match := re.match(r"(Wegweiser form|Dev outbox|AWS emulator):\s+(\S+)", line):
            urls[match.group(1)] = match.group(2)
        ready = len(urls) == 3 and line.startswith("Press Ctrl-C to stop.")
    if not ready:
        try:  # a runner that refused to start has exited, or does so now
            code = process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait(timeout=10)
        process.stdout.close()
        raise RuntimeError(f"the runner did not start (exit {code}):\n" + "".join(output))
    stack = RunningStack(urls["Wegweiser form"], urls["Dev outbox"], urls["AWS emulator"],
                         process, output)
    stack._drain = threading.Thread(
        target=lambda: output.extend(iter(process.stdout.readline, "")), daemon=True  # type: ignore[union-attr]
    )
    stack._drain.start()
    return stack
