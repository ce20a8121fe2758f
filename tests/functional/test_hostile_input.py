"""Whatever arrives at POST /inquiries: a clear 4xx that changes nothing, or a clean accept.

Named cases first, each a known trick; then a property-based run of generated requests
(hypothesis) that must never meet a 5xx and never store or send anything for a 4xx.
"""

from __future__ import annotations

import json
import string
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.core.languages import LANGUAGES
from chalicelib.core.limits import CONFIRMATIONS_PER_DAY
from chalicelib.core.routing_file import bundled_routing
from tests.support.emulator import Emulator, Submit, settings_for_tests

VALID = {"email": "resident@example.org", "topic": "culture", "message": "Gibt es Theater?",
         "name": "Amal", "language": "de"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("field", ["name", "email", "topic", "language"])
@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r", "\x85", "\u2028"],
                         ids=["CRLF", "LF", "CR", "NEL", "LINE SEPARATOR"])
def test_a_line_break_in_a_one_line_field_is_refused(
    field: str, newline: str, submit_json: Submit, aws: Emulator
) -> None:
    status, answer = submit_json({**VALID, field: f"{VALID[field]}{newline}Bcc: x@evil.example"})

    assert status == 422
    assert field in answer["errors"]
    assert aws.stored_inquiries() == []


def test_an_encoded_line_break_in_a_form_is_decoded_and_refused(
    client: Client, aws: Emulator
) -> None:
    body = urlencode({**VALID, "form_token": aws.form_token()}).replace(
        "name=Amal", "name=Amal%0D%0ABcc%3A+x%40evil.example")

    response = client.http.post("/inquiries", headers=FORM, body=body)

    assert response.status_code == 422
    assert aws.stored_inquiries() == []


def test_html_and_script_are_shown_as_text_in_the_page_and_in_the_staff_email(
    client: Client, submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    page = client.http.post("/inquiries", headers=FORM, body=urlencode(
        {**VALID, "name": script, "message": script, "email": "", "form_token": aws.form_token()}))
    assert page.status_code == 422
    assert "<script>" not in page.body.decode()
    assert "&lt;script&gt;" in page.body.decode()

    status, _ = submit_json({**VALID, "name": script, "message": script})
    assert status == 201
    deliver_queued()
    (staff,) = [e for e in aws.sent() if e.recipients == ("info@integration-flensburg.de",)]
    assert "<script>" not in staff.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in staff.html
    assert script not in staff.subject


@pytest.mark.parametrize("character", ["\u202e", "\u202d", "\u2066", "\u200b", "\ufeff"],
                         ids=["RLO", "LRO", "LRI", "ZWSP", "BOM"])
def test_bidi_overrides_and_zero_width_spaces_are_refused_in_the_name(
    character: str, submit_json: Submit, aws: Emulator
) -> None:
    status, answer = submit_json({**VALID, "name": f"Amal{character}lamA"})

    assert status == 422
    assert list(answer["errors"]) == ["name"]


def test_persian_joiners_and_bidi_in_the_message_are_kept_and_shown_isolated(
    submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    status, _ = submit_json({**VALID, "name": "می\u200cخواهم", "message": "سلام \u202eabc\u202c"})

    assert status == 201
    deliver_queued()
    (staff,) = [e for e in aws.sent() if e.recipients == ("info@integration-flensburg.de",)]
    assert '<div dir="auto"' in staff.html


def test_text_in_nfd_is_stored_in_nfc(submit_json: Submit, aws: Emulator) -> None:
    status, _ = submit_json({**VALID, "name": "Zoe\u0308", "message": "Cafe\u0301"})

    assert status == 201
    (item,) = aws.stored_inquiries()
    assert item["name"]["S"] == "Zo\u00eb"
    assert item["message"]["S"] == "Caf\u00e9"


@pytest.mark.parametrize("headers", [FORM, JSON], ids=["form", "json"])
def test_a_body_that_is_not_utf8_is_refused(
    headers: dict[str, str], client: Client, aws: Emulator
) -> None:
    response = client.http.post("/inquiries", headers=headers, body=b"email=\xff\xfe&topic=\xc3")

    assert response.status_code == 422
    assert aws.stored_inquiries() == []


@pytest.mark.parametrize(
    "body",
    [
        '{"email": ["resident@example.org"], "topic": "work", "message": "x"}',
        '{"email": {"address": "resident@example.org"}, "topic": "work", "message": "x"}',
        '{"email": "resident@example.org", "topic": 7, "message": "x"}',
        '{"email": "resident@example.org", "topic": "work", "message": null, "name": true}',
        '[{"email": "resident@example.org"}]',
        '"resident@example.org"',
        '{"email": "a@example.org", "email": "b@example.org", "topic": "work", "message": "x"}',
        '{"email": "resident@example.org", "topic": "work", "message": "x"',
    ],
    ids=["array value", "object value", "number", "null and boolean", "array body",
         "string body", "duplicate key", "truncated"],
)
def test_json_of_the_wrong_shape_is_refused_with_a_422(
    body: str, client: Client, aws: Emulator
) -> None:
    response = client.http.post("/inquiries", headers=JSON, body=body)

    assert response.status_code == 422
    assert json.loads(response.body)["errors"]
    assert aws.stored_inquiries() == []


@pytest.mark.parametrize("address", [
    "Eve <eve@example.org>", '"Eve" <eve@example.org>', '"eve"@example.org',
    '"eve smith"@example.org', "jürgen@example.org", "名前@example.jp", "eve@", "@example.org",
    "eve@example", "eve@@example.org", "eve@exa mple.org",
])
def test_an_address_a_mail_server_would_not_take_as_is_is_refused(
    address: str, submit_json: Submit, aws: Emulator
) -> None:
    status, answer = submit_json({**VALID, "email": address})

    assert status == 422
    assert list(answer["errors"]) == ["email"]
    assert aws.stored_inquiries() == []


# ------------------------------------------------------------ generated requests

TOPICS = list(bundled_routing().topics)
# Runs of combining marks, sorted from the highest combining class down: what makes
# Unicode normalisation slow, in lengths around the stream-safe limit of 30.
COMBINING_RUNS = st.builds(
    lambda base, marks: base + "".join(chr(c) for c in range(0x36F, 0x36F - marks, -1)),
    st.sampled_from(["a", "ش", ""]), st.integers(min_value=1, max_value=100))
# Addresses that mail software may read as another one.
ENCODED_WORDS = st.sampled_from([
    "=?utf-8?q?eve=40evil.example?=@example.com", "=?utf-8?b?ZXZl?=@example.com",
    "x" * 65 + "@example.com", "resident@example.org\r\nBcc: eve@evil.example"])
HOSTILE_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | st.sampled_from(
    ["", " ", "\r\n", "%0d%0a", "<script>", "\u202e", "\u200b", "'; DROP TABLE x;--",
     "e\u0301", "x" * 5001, "a@b", "Eve <eve@example.org>"]) | COMBINING_RUNS | ENCODED_WORDS
# JSON nested deeper than Python's parser goes ("[[[…]]]" a thousand deep).
DEEP_JSON = st.integers(min_value=900, max_value=3000).map(
    lambda depth: ("[" * depth + "]" * depth).encode())
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | HOSTILE_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(HOSTILE_TEXT, inner, max_size=3),
    max_leaves=6,
)
FIELD_VALUES = {
    "email": st.sampled_from(["resident@example.org", "amal@bücher.example"]) | HOSTILE_TEXT,
    "topic": st.sampled_from(TOPICS) | HOSTILE_TEXT,
    "message": st.sampled_from(["Hallo", "مرحبا\nسلام"]) | HOSTILE_TEXT,
    "name": st.sampled_from(["", "Amal"]) | HOSTILE_TEXT,
    "language": st.sampled_from(list(LANGUAGES)) | HOSTILE_TEXT,
    "consent": st.sampled_from(["yes", True, False, "no", 1, "true"]) | HOSTILE_TEXT,
    "website": st.just("") | HOSTILE_TEXT,
}


@st.composite
def requests(draw: st.DrawFn, fresh_token: Callable[[], str]) -> tuple[dict[str, str], bytes]:
    """A POST /inquiries body as a browser, an API client or an attacker might send it."""
    fields: dict[str, Any] = {
        name: draw(values) for name, values in FIELD_VALUES.items() if draw(st.booleans())
        or name in ("email", "topic", "message")
    }
    fields["form_token"] = draw(st.just("fresh") | HOSTILE_TEXT)
    if fields["form_token"] == "fresh":
        fields["form_token"] = fresh_token()
    kind = draw(st.sampled_from(["json", "form", "bytes", "json-shaped", "deep"]))
    if kind == "json":
        if draw(st.booleans()):
            fields = {**fields, **draw(st.dictionaries(
                st.sampled_from([*FIELD_VALUES, "extra"]), JSON_VALUE, max_size=2))}
        return JSON, json.dumps(fields).encode()
    if kind == "form":
        text_fields = {k: v if isinstance(v, str) else str(v) for k, v in fields.items()}
        return FORM, urlencode(text_fields).encode()
    if kind == "json-shaped":
        return JSON, json.dumps(draw(JSON_VALUE)).encode()
    if kind == "deep":
        return JSON, draw(DEEP_JSON)
    headers = draw(st.sampled_from([FORM, JSON]))
    return headers, draw(st.binary(max_size=200) | st.text(string.printable).map(str.encode))


def test_five_thousand_generated_requests_meet_no_5xx_and_no_4xx_stores_or_sends_anything(
    client: Client, aws: Emulator, deliver_queued: Callable[[], int],
) -> None:
    aws.serve(settings_for_tests(RATE_LIMIT_PER_HOUR="0"))  # the fuzzer is one client
    statuses: Counter[int] = Counter()
    accepted: set[str] = set()
    started = time.monotonic()

    @settings(max_examples=5000, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(request=requests(aws.form_token))
    def post(request: tuple[dict[str, str], bytes]) -> None:
        headers, body = request
        response = client.http.post("/inquiries", headers=headers, body=body)
        statuses[response.status_code] += 1
        assert response.status_code < 500, body
        if response.status_code in (201, 303):
            location = response.headers["Location"]
            fields = _fields_of(headers, body)
            if not fields.get("website"):  # a filled honeypot is a decoy: nothing stored
                accepted.add(location.split("/thanks/")[1].split("?")[0])

    post()

    print(f"\n{sum(statuses.values())} generated requests in {time.monotonic() - started:.0f} s:"
          f" {dict(sorted(statuses.items()))}")
    assert sum(statuses.values()) >= 5000
    assert not any(status >= 500 for status in statuses)
    assert {item["reference"]["S"] for item in aws.stored_inquiries()} == accepted
    deliver_queued()
    # A staff email for every accepted inquiry; a confirmation too, but at most
    # CONFIRMATIONS_PER_DAY to one address (the fuzzer uses a handful of addresses).
    per_address = Counter(item["email"]["S"] for item in aws.stored_inquiries())
    confirmations = sum(min(n, CONFIRMATIONS_PER_DAY) for n in per_address.values())
    assert len(aws.sent()) == len(accepted) + confirmations


def _fields_of(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    from chalicelib.web.submission import parse_fields

    return parse_fields(headers is FORM, body)
