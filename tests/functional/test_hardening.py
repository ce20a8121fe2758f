"""The ten holes an attacker's review found before go-live, each shut and each tested
through the app as an attacker would try it (the unit tests of the pieces are in
tests/unit/core). Every test here fails when its fix is taken out."""

from __future__ import annotations

import io
import json
import logging
import sys
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

import pytest
from botocore.exceptions import ClientError
from chalice.test import Client

from chalicelib.aws.ses_mailer import SESMailer
from chalicelib.core.hashing import derive_key
from chalicelib.core.limits import CONFIRMATIONS_PER_DAY
from chalicelib.core.ses_feedback import parse_feedback
from chalicelib.core.telemetry import ALARM_METRICS, JsonLines, metric_counts
from tests.support.emulator import Emulator, Submit, settings_for_tests

STRANGER = "stranger@example.org"
INQUIRY = {"email": STRANGER, "topic": "education", "message": "Gibt es einen Kita-Platz?"}
CONTACT = "info@integration-flensburg.de"  # education goes to the association
# The combining marks U+036F down to U+0300, highest class first, over and over: the
# order that makes NFC's reordering quadratic. 60,000 of them are 120 KB of UTF-8,
# just under the body limit of 128 KiB.
MARKS = "".join(chr(c) for c in range(0x36F, 0x2FF, -1))
COMBINING_MESSAGE = "a" + (MARKS * 600)[:60_000]


@contextmanager
def normalised_lengths() -> Iterator[list[int]]:
    """The length of each text the intake normalised inside the block, seen by a profile
    hook: unicodedata.normalize is C code, and only the interpreter's c_call events see
    it; the text is the calling frame's `value`."""
    lengths: list[int] = []

    def watch(frame: FrameType, event: str, arg: object) -> None:
        if event == "c_call" and arg is unicodedata.normalize:
            value = frame.f_locals.get("value")
            lengths.append(len(value) if isinstance(value, str) else -1)

    sys.setprofile(watch)
    try:
        yield lengths
    finally:
        sys.setprofile(None)


# 1. Unicode normalisation only after a bound


def test_1_a_128_kb_body_of_combining_marks_is_refused_before_any_normalisation(
    client: Client, aws: Emulator
) -> None:
    body = json.dumps({**INQUIRY, "message": COMBINING_MESSAGE}, ensure_ascii=False).encode()
    assert 120_000 < len(body) < 128 * 1024

    with normalised_lengths() as lengths:
        response = client.http.post("/inquiries", headers={"Content-Type": "application/json"},
                                    body=body)

    assert response.status_code == 422
    assert set(json.loads(response.body)["errors"]) == {"message", "form_token"}
    assert lengths, "the other fields were normalised: the hook sees the calls"
    assert max(lengths) < 100, "the message was refused unnormalised, on its raw length"
    assert aws.stored_inquiries() == []


def test_1_a_run_of_31_combining_marks_is_refused_but_30_are_a_message(
    submit_json: Submit, aws: Emulator
) -> None:
    status, answer = submit_json({**INQUIRY, "message": "a" + MARKS[:31]})
    assert status == 422
    assert list(answer["errors"]) == ["message"]

    status, _ = submit_json({**INQUIRY, "message": "a" + MARKS[:30]})
    assert status == 201


# 3. Confirmations to anyone, without limit


def test_3_a_strangers_address_gets_at_most_three_confirmations_a_day_and_the_staff_all(
    submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    for _ in range(CONFIRMATIONS_PER_DAY + 3):
        assert submit_json(INQUIRY)[0] == 201
    deliver_queued()

    sent = aws.sent()
    to_stranger = [email for email in sent if email.recipients == (STRANGER,)]
    to_contact = [email for email in sent if email.recipients[0] == CONTACT]
    assert len(to_stranger) == CONFIRMATIONS_PER_DAY
    assert len(to_contact) == CONFIRMATIONS_PER_DAY + 3
    told = [email for email in to_contact
            if "keine Eingangsbestätigung erhalten" in email.text]
    assert len(told) == 3, "the contact person learns that no confirmation went out, and why"


@pytest.mark.parametrize(("feedback", "reason"), [
    ({"eventType": "Complaint",
      "complaint": {"complainedRecipients": [{"emailAddress": STRANGER}]}}, "als Spam gemeldet"),
    ({"eventType": "Bounce",
      "bounce": {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": STRANGER}]}},
     "unzustellbar"),
], ids=["complained", "bounced"])
def test_3_an_address_that_complained_or_bounced_for_good_gets_no_confirmation_at_all(
    feedback: dict[str, object], reason: str, client: Client, submit_json: Submit,
    aws: Emulator, deliver_queued: Callable[[], int],
) -> None:
    event = client.events.generate_sns_event(message=json.dumps(feedback))
    client.lambda_.invoke("record_ses_feedback", event)

    assert submit_json(INQUIRY)[0] == 201
    deliver_queued()

    (staff,) = aws.sent()
    assert staff.recipients == (CONTACT,), "the staff email still goes out"
    assert reason in staff.text


def test_3_a_transient_bounce_does_not_stop_confirmations(
    client: Client, submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    full_mailbox = {"eventType": "Bounce", "bounce": {
        "bounceType": "Transient", "bouncedRecipients": [{"emailAddress": STRANGER}]}}
    client.lambda_.invoke("record_ses_feedback",
                          client.events.generate_sns_event(message=json.dumps(full_mailbox)))

    submit_json(INQUIRY)
    deliver_queued()

    assert sorted(email.recipients[0] for email in aws.sent()) == [CONTACT, STRANGER]


# 4. Deeply nested JSON


@pytest.mark.parametrize("depth", [1000, 60_000])
def test_4_json_nested_deeper_than_any_inquiry_is_a_translated_422_not_a_500(
    depth: int, client: Client, aws: Emulator
) -> None:
    response = client.http.post(
        "/inquiries", headers={"Content-Type": "application/json", "Accept-Language": "de"},
        body="[" * depth + "]" * depth)

    assert response.status_code == 422
    assert json.loads(response.body)["errors"]["body"].startswith(
        "Die Anfrage ist zu tief verschachtelt.")


# 5. Routing texts with line breaks and contacts of any domain: see test_routing_source.py
# (a poisoned remote file) and tests/unit/admin/test_cli.py (`wegweiser check`).


# 6. Addresses that parse differently downstream


@pytest.mark.parametrize("address", [
    "=?utf-8?q?eve=40evil.example?=@example.com",
    "=?utf-8?b?ZXZlQGV2aWwuZXhhbXBsZQ==?=@example.com",
    "x" * 65 + "@example.com",
    "x" * 100 + "@example.com",
], ids=["encoded-word-q", "encoded-word-b", "local-part-65", "local-part-100"])
def test_6_an_address_mail_software_could_read_as_another_is_refused(
    address: str, submit_json: Submit, aws: Emulator
) -> None:
    status, answer = submit_json({**INQUIRY, "email": address})

    assert status == 422
    assert list(answer["errors"]) == ["email"]
    assert aws.stored_inquiries() == []


def test_6_a_local_part_of_64_characters_is_an_address(submit_json: Submit, aws: Emulator) -> None:
    assert submit_json({**INQUIRY, "email": "x" * 64 + "@example.com"})[0] == 201


# 7. SES feedback of unexpected shapes


@pytest.mark.parametrize("message", [
    {"eventType": "Bounce", "bounce": []},
    {"eventType": "Bounce", "bounce": {"bouncedRecipients": 5}},
    {"eventType": "Bounce", "bounce": {"bouncedRecipients": ["presse@drk.de", None]}},
    {"eventType": "Bounce", "bounce": {"bouncedRecipients": [{"emailAddress": 7}]}},
    {"eventType": "Complaint", "complaint": "yes"},
    {"eventType": "Complaint", "complaint": {"complainedRecipients": {"a": 1}}},
    {"notificationType": ["Bounce"]},
    ["Bounce"],
    "[" * 5000 + "]" * 5000,
], ids=["bounce-list", "recipients-number", "recipients-not-objects", "address-number",
        "complaint-text", "recipients-object", "type-list", "a-list", "deeply-nested"])
def test_7_feedback_of_a_shape_ses_never_sends_is_ignored_without_an_error(
    message: object, client: Client, aws: Emulator
) -> None:
    text = message if isinstance(message, str) else json.dumps(message)
    event = client.events.generate_sns_event(message=text)

    client.lambda_.invoke("record_ses_feedback", event)  # raises if the handler does

    assert [i for i in aws.items() if i["pk"]["S"].startswith("feedback#")] == []


def test_7_feedback_parser_still_reads_what_ses_sends() -> None:
    feedback = parse_feedback(json.dumps({"eventType": "Bounce", "bounce": {
        "bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": "A@Example.org"}]}}))

    assert feedback is not None
    assert feedback.permanent and feedback.addresses == ("a@example.org",)


# 8. Bot defences that gave themselves away


def test_8_a_filled_honeypot_sent_twice_gets_one_reference_as_a_real_form_does(
    client: Client, aws: Emulator
) -> None:
    token = aws.form_token()
    body = json.dumps({**INQUIRY, "website": "http://spam.example", "form_token": token})
    headers = {"Content-Type": "application/json"}

    first = json.loads(client.http.post("/inquiries", headers=headers, body=body).body)
    second = json.loads(client.http.post("/inquiries", headers=headers, body=body).body)

    assert first["reference"] == second["reference"]
    assert aws.stored_inquiries() == []


def test_8_form_tokens_are_handed_out_without_storing_anything(
    client: Client, aws: Emulator
) -> None:
    # The flood guard is the rate limit on POST: a token costs nothing to keep.
    for _ in range(20):
        assert client.http.get("/form-token").status_code == 200

    assert aws.items() == []


# 10. One secret for three jobs


def test_10_form_tokens_and_address_digests_use_keys_derived_for_their_job(
    aws: Emulator
) -> None:
    services = aws.services
    secret = services.secret

    assert services.tokens.secret == derive_key(secret, "form tokens")
    assert services.hash_key == derive_key(secret, "address digests")
    assert len({secret, services.tokens.secret, services.hash_key}) == 3


def test_10_without_a_secret_in_the_environment_the_stage_names_an_ssm_parameter() -> None:
    settings = settings_for_tests(FORM_TOKEN_SECRET="", SECRET_PARAMETER="/wegweiser/prod/secret")

    assert settings.secret is None
    assert settings.secret_parameter == "/wegweiser/prod/secret"


# Alarms from metrics, not from log text


class RenameEveryMessage(logging.Filter):
    """Rewords every log message beyond recognition, as a later edit of the code might."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = "reworded", ()
        return True


class RefusingSES:
    """SES that refuses every email for good."""

    def send_email(self, **request: object) -> object:
        raise ClientError({"Error": {"Code": "MessageRejected", "Message": "no"}}, "SendEmail")


def test_the_alarms_fire_from_metrics_whatever_every_log_message_says(
    client: Client, submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("wegweiser")
    rename = RenameEveryMessage()
    logger.addHandler(handler)
    logger.addFilter(rename)
    try:
        # An email SES refuses for good; a contact's address bounces; a broken source.
        aws.serve(mailer=SESMailer(RefusingSES(), None))  # type: ignore[arg-type]
        submit_json(INQUIRY)
        deliver_queued()
        bounce = {"eventType": "Bounce", "bounce": {
            "bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": CONTACT}]}}
        client.lambda_.invoke("record_ses_feedback",
                              client.events.generate_sns_event(message=json.dumps(bounce)))
        aws.serve(settings_for_tests(ROUTING_SOURCE="s3://no-such-bucket-here/routing.toml"))
        submit_json(INQUIRY)
    finally:
        logger.removeFilter(rename)
        logger.removeHandler(handler)

    records = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert {record["message"] for record in records} == {"reworded"}
    fired = {metric for metric in metric_counts(lines.getvalue()) if metric in ALARM_METRICS}
    assert fired == {"EmailsRefused", "ContactBounces", "RoutingSourceFailures"}
