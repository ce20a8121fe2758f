"""`make run`'s runner over real HTTP: its own moto server, chalice local, the worker, the outbox.

The test is a resident with a browser that has no JavaScript: it loads the form,
copies the hidden token, posts the form, follows the redirect, then reads both
emails back from the emulator's SES and on the dev outbox page.
"""

from __future__ import annotations

import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from devstack.process import start_stack
from tests.end_to_end.conftest import Runner


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_a_resident_sends_the_form_and_both_emails_arrive_through_ses(runner: Runner) -> None:
    with urllib.request.urlopen(runner.form_url + "en", timeout=10) as answer:
        form = answer.read().decode()
    token = re.search(r'name="form_token" value="([^"]+)"', form)
    assert token is not None
    time.sleep(1.1)  # a person takes longer than MIN_FILL_SECONDS to write

    body = urllib.parse.urlencode({
        "name": "Amal", "email": "amal@example.org", "topic": "health", "consent": "yes",
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
    reference = urllib.parse.urlsplit(location).path.rsplit("/", 1)[1]
    assert reference in thanks
    assert "Deutsches Rotes Kreuz" in thanks

    emails = runner.emails_about(reference)
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
    assert outbox.count(reference) >= 2, "both emails are on the dev outbox page"


def test_ctrl_c_stops_everything_the_runner_started() -> None:
    own = start_stack()
    ports = [urllib.parse.urlsplit(url).port or 0
             for url in (own.form_url, own.outbox_url, own.emulator_url)]

    assert own.stop() == 0
    for port in ports:
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
