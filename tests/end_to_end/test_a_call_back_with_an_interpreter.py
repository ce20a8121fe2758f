"""A Pashto-speaking resident who would rather be called back, with an interpreter, against
`make run` (python -m devstack) over real HTTP, as a phone without JavaScript sends it.

The form in Pashto, right to left; a wrong number is refused in Pashto with everything
typed kept; the staff email starts with "Rückruf erbeten: +49 461 1234567" as a tel:
link and "Dolmetschung nötig: Paschtu"; the confirmation is in Pashto, right to left;
the status page reads the number back; erasure removes it with the rest.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterator

import pytest

from chalicelib.core.inquiry import FieldError
from chalicelib.core.messages import field_error
from devstack.outbox import sent_emails
from devstack.process import RunningStack, start_stack
from tests.end_to_end.test_the_resident_stays_in_control_over_http import (
    link,
    post_form_of,
    raw_item,
    request,
    status,
    token_of,
)

ANNA = "info@integration-flensburg.de"
RESIDENT = "gul.ahmadzai@example.org"
NAME = "Gul Ahmadzai"
MESSAGE = "زه د خپل زوی لپاره د ښوونځي ځای لټوم."
PHONE = "0461 1234567"


@pytest.fixture(scope="module")
def stack() -> Iterator[RunningStack]:
    started = start_stack(DEV_CLOCK_START="2026-12-01T09:00:00+01:00", MIN_FILL_SECONDS="0")
    yield started
    started.stop()


def form_token_of(page: str) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def fields(token: str, **changes: str) -> dict[str, str]:
    sent = {"language": "ps", "form_token": token, "name": NAME, "email": RESIDENT,
            "answer_by": "phone", "phone": PHONE, "interpreter": "yes",
            "topic": "education", "message": MESSAGE}
    sent.update(changes)
    return sent


def test_a_wrong_number_is_refused_in_pashto_and_nothing_typed_is_lost(
    stack: RunningStack,
) -> None:
    code, page = request(f"{stack.form_url}ps")
    assert code == 200
    assert '<html lang="ps" dir="rtl">' in page
    assert 'name="answer_by"' in page and 'type="tel"' in page and 'name="interpreter"' in page

    code, refused = request(f"{stack.form_url}inquiries",
                            data=fields(form_token_of(page), phone="12"))

    assert code == 422
    assert field_error(FieldError.INVALID_PHONE, "ps") in refused
    assert 'value="12"' in refused and MESSAGE in refused and NAME in refused
    assert re.search(r'id="answer_by-phone" value="phone" checked', refused)
    assert re.search(r'id="interpreter" name="interpreter" value="yes" checked', refused)
    assert sent_emails(stack.emulator_url) == [], "nothing was sent"


def test_a_call_back_with_an_interpreter_reaches_the_contact_first_thing_and_is_erased(
    stack: RunningStack,
) -> None:
    _, page = request(f"{stack.form_url}ps")
    code, thanks = request(f"{stack.form_url}inquiries", data=fields(form_token_of(page)))
    assert code == 200  # urllib follows the 303 to the thank-you page
    assert '<html lang="ps" dir="rtl">' in thanks
    assert "+49 461 1234567" in thanks, "the number the contact will call"
    reference = re.search(r'class="reference"><span dir="ltr">([A-Z0-9-]+)<', thanks)
    assert reference is not None
    stack.advance(hours=0)
    emails = [e for e in sent_emails(stack.emulator_url) if reference.group(1) in e.subject]
    (staff,) = [e for e in emails if e.recipients == (ANNA,)]
    (confirmation,) = [e for e in emails if e.recipients == (RESIDENT,)]

    # The contact: the call back and the interpreter before anything else, in German.
    text = staff.text
    assert text.index("Rückruf erbeten: +49 461 1234567") < text.index("Dolmetschung nötig: "
                                                                        "Paschtu")
    assert text.index("Dolmetschung nötig: Paschtu") < text.index(reference.group(1) + "\n")
    assert '<a href="tel:+494611234567"' in staff.html
    assert "Dolmetschung nötig: Paschtu" in re.sub(r"<[^>]+>", "", staff.html)
    assert "Paschtu" in staff.subject

    # The resident: Pashto, right to left.
    assert confirmation.header("Content-Language") == "ps"
    assert 'dir="rtl"' in confirmation.html

    # The status page reads the choice back; erasure takes the number with the rest.
    status_url = link(confirmation, "ps/status/")
    code, status_page = request(status_url)
    assert code == 200 and "+49 461 1234567" in status_page
    assert raw_item(stack, reference.group(1))["phone"] == {"S": "+494611234567"}
    erase_url = status_url.replace(f"/status/{reference.group(1)}?",
                                   f"/status/{reference.group(1)}/erase?")
    assert post_form_of(erase_url, {"t": token_of(status_url)})[0] == 200
    assert status(status_url) == (410, {"state": "erased"})
    item = raw_item(stack, reference.group(1))
    assert "phone" not in item
    assert "4611234567" not in json.dumps(item)
    assert item["interpreter"] == {"BOOL": True}, "a need, not personal data: it stays"


def test_the_json_api_takes_a_call_back_too(stack: RunningStack) -> None:
    token = json.loads(request(f"{stack.form_url}form-token", accept="application/json")[1])
    body = json.dumps({"email": RESIDENT, "topic": "work", "message": MESSAGE, "language": "ps",
                       "answer_by": "phone", "form_token": token["form_token"]})
    answer = urllib.request.Request(f"{stack.form_url}inquiries", data=body.encode(),
                                    headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(answer, timeout=30)
        raise AssertionError("a call back without a number was accepted")
    except urllib.error.HTTPError as refused:
        assert refused.code == 422
        assert json.load(refused) == {
            "errors": {"phone": field_error(FieldError.PHONE_REQUIRED, "ps")}}
