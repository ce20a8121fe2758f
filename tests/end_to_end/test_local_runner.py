"""`make run`'s runner over real HTTP: its own moto server, chalice local, the worker, the outbox.

The test is a resident with a browser that has no JavaScript: it loads the form,
copies the hidden token, posts the form, follows the redirect, then reads both
emails back from the emulator's SES and on the dev outbox page.
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
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

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

    def emails(self, expected: int, timeout: float = 30) -> list[SentEmail]:
        deadline = time.monotonic() + timeout
        while True:
            emails = sent_emails(self.emulator_url)
            if len(emails) >= expected or time.monotonic() > deadline:
                return emails
            time.sleep(0.2)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.fixture(scope="module")
def runner() -> Iterator[Runner]:
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
    yield Runner(urls["Wegweiser form"], urls["Dev outbox"], urls["AWS emulator"], process)
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    drain.join(timeout=5)
    process.stdout.close()


def test_a_resident_sends_the_form_and_both_emails_arrive_through_ses(runner: Runner) -> None:
    with urllib.request.urlopen(runner.form_url + "en", timeout=10) as answer:
        form = answer.read().decode()
    token = re.search(r'name="form_token" value="([^"]+)"', form)
    assert token is not None
    time.sleep(1.1)  # a person takes longer than MIN_FILL_SECONDS to write

    body = urllib.parse.urlencode({
        "name": "Amal", "email": "amal@example.org", "topic": "health",
        "message": "Ich brauche einen Termin beim Kinderarzt.", "language": "en",
        "form_token": token.group(1),
    }).encode()
    request = urllib.request.Request(runner.form_url + "inquiries", data=body, method="POST")
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(request, timeout=10)
    assert redirect.value.code == 303
    location = redirect.value.headers["Location"]
    redirect.value.close()

    thanks_url = urllib.parse.urljoin(runner.form_url + "inquiries", location)
    with urllib.request.urlopen(thanks_url, timeout=10) as answer:
        thanks = answer.read().decode()
    reference = location.rsplit("/", 1)[1]
    assert reference in thanks
    assert "Deutsches Rotes Kreuz" in thanks

    emails = runner.emails(expected=2)
    by_recipient = {email.recipients: email for email in emails}
    assert set(by_recipient) == {("presse@drk.de",), ("amal@example.org",)}
    to_staff = by_recipient[("presse@drk.de",)]
    assert to_staff.header("Reply-To") == "amal@example.org"
    assert reference in to_staff.subject
    assert "Kinderarzt" in to_staff.html
    to_resident = by_recipient[("amal@example.org",)]
    assert to_resident.header("Auto-Submitted") == "auto-replied"
    assert "Kinderarzt" not in to_resident.text

    with urllib.request.urlopen(runner.outbox_url, timeout=10) as answer:
        outbox = answer.read().decode()
    assert outbox.count("<article>") == 2
    assert reference in outbox


def test_ctrl_c_stops_everything_the_runner_started(runner: Runner) -> None:
    port = urllib.parse.urlsplit(runner.form_url).port
    runner.process.send_signal(signal.SIGINT)

    assert runner.process.wait(timeout=20) == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port or 0), timeout=1).close()
