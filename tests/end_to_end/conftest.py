"""The local runner (`python -m devstack`, what `make run` starts) as a fixture, over real HTTP.

One runner serves every end-to-end and browser test of the session; a test that must
stop a runner starts its own with `start_runner`.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from devstack.outbox import SentEmail, sent_emails

PROJECT_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Runner:
    form_url: str
    outbox_url: str
    emulator_url: str
    process: subprocess.Popen[str]

    def emails_about(self, reference: str, timeout: float = 30) -> list[SentEmail]:
        """The emails SES accepted for one inquiry, once both are there (or at the timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            emails = [e for e in sent_emails(self.emulator_url) if reference in e.subject]
            if len(emails) >= 2 or time.monotonic() > deadline:
                return emails
            time.sleep(0.2)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=20)


def start_runner() -> tuple[Runner, threading.Thread]:
    port, outbox_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(PORT=str(port), OUTBOX_PORT=str(outbox_port), MIN_FILL_SECONDS="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack"],
        cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert process.stdout is not None
    urls: dict[str, str] = {}
    deadline = time.monotonic() + 60
    while len(urls) < 3 and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if match := re.match(r"(Wegweiser form|Dev outbox|AWS emulator):\s+(\S+)", line):
            urls[match.group(1)] = match.group(2)
    assert len(urls) == 3, "the runner did not print its URLs"
    # Keep reading what the runner prints, so a full pipe never blocks it.
    drain = threading.Thread(target=process.stdout.read, daemon=True)
    drain.start()
    runner = Runner(urls["Wegweiser form"], urls["Dev outbox"], urls["AWS emulator"], process)
    return runner, drain


@pytest.fixture(scope="session")
def runner() -> Iterator[Runner]:
    started, drain = start_runner()
    yield started
    started.stop()
    drain.join(timeout=5)
    assert started.process.stdout is not None
    started.process.stdout.close()


CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = PROJECT_DIR / "test-artifacts" / "screenshots"
# Flags that keep Chromium from calling Google's services on this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Debian's chromium is missing: `make test` installs it (as root)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class BrowserSession:
    """A phone-sized browser tab that records every URL the page asked for."""

    page: Page
    requested: list[str]


@pytest.fixture
def phone(browser: Browser, runner: Runner) -> Iterator[BrowserSession]:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    yield BrowserSession(page, requested)
    context.close()
    # No CDN, no web font, no analytics: every request went to Wegweiser itself.
    origin = runner.form_url.rstrip("/")
    foreign = [url for url in requested if not url.startswith(origin + "/")]
    assert foreign == [], f"the page requested other hosts: {foreign}"
