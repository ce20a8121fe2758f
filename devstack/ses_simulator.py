"""The SES mailbox simulator for `make run`: bounce@ and complaint@simulator.amazonses.com.

Why it exists: in AWS, mail to `bounce@simulator.amazonses.com` comes back as a
permanent bounce and mail to `complaint@simulator.amazonses.com` as a complaint, and
SES v2 event publishing delivers either through SNS to `app.record_ses_feedback`. moto
accepts those sends like any other: its own simulator sends one fixed payload through
SES v1 notifications only, without the message's EmailTags (moto does not keep them).
So the dev stack produces the events itself, from what our code really sent: a
botocore event handler on the SES v2 client of this process (the local delivery worker
sends through it) reads each `SendEmail` call's parameters and, once SES answered with
a MessageId, builds the record SES v2 event publishing would publish for every
simulator address among To and Cc, wraps it as the SNS event Lambda hands to the
handler, and calls `record_ses_feedback` shortly after, from a thread of its own (SES
reports after the send, never inside it).

What the handler then does with the bounce is the app's business, not this module's.
A failure here is logged and never reaches the send or the worker. Only the two
addresses (and their `+label` forms, as in AWS) are simulated; `success@`, `ooto@`
and `suppressionlist@` are delivered like any other address.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import getaddresses
from typing import TYPE_CHECKING, Any

from chalicelib.settings import SES_EVENTS_TOPIC

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

log = logging.getLogger("wegweiser.devstack.ses_simulator")

Handler = Callable[[dict[str, Any], Any], Any]

SIMULATOR_DOMAIN = "simulator.amazonses.com"
BOUNCE = "Bounce"
COMPLAINT = "Complaint"
# bounce@…, complaint@…, and with a label (bounce+anything@…), as the AWS simulator takes them.
_ADDRESS = re.compile(rf"^(bounce|complaint)(\+[^@]*)?@{re.escape(SIMULATOR_DOMAIN)}$",
                      re.IGNORECASE)
_CONTEXT_KEY = "wegweiser_ses_simulator"  # where the request's facts wait for SES's answer
ACCOUNT_ID = "123456789012"  # moto's default account


def simulated_event(address: str) -> str | None:
    """"Bounce" or "Complaint" for a simulator address; None for any other address."""
    match = _ADDRESS.match(address.strip())
    if match is None:
        return None
    return BOUNCE if match.group(1).lower() == "bounce" else COMPLAINT


def _timestamp(moment: datetime) -> str:
    """As SES writes them: 2017-08-05T00:41:02.669Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_record(
    event_type: str,
    recipients: Sequence[str],
    *,
    message_id: str,
    sent_at: datetime,
    reported_at: datetime,
    source: str,
    destination: Sequence[str],
    tags: Mapping[str, str],
    configuration_set: str | None,
    headers: Mapping[str, str],
    region: str,
) -> dict[str, Any]:
    """The record SES v2 event publishing sends to SNS for a bounce or a complaint, in
    the shape of AWS's "Examples of event data that Amazon SES publishes to Amazon SNS"."""
    feedback_id = f"{uuid.uuid4().hex}-000000"
    published_tags = {name: [value] for name, value in tags.items()}
    if configuration_set:
        published_tags["ses:configuration-set"] = [configuration_set]
    sender = getaddresses([source])[0][1] or source
    published_tags["ses:from-domain"] = [sender.rpartition("@")[2]]
    mail = {
        "timestamp": _timestamp(sent_at),
        "source": source,
        "sourceArn": f"arn:aws:ses:{region}:{ACCOUNT_ID}:identity/{sender}",
        "sendingAccountId": ACCOUNT_ID,
        "messageId": message_id,
        "destination": list(destination),
        "headersTruncated": False,
        "headers": [{"name": name, "value": value} for name, value in headers.items()],
        "commonHeaders": {
            "from": [headers.get("From", source)],
            "to": [address for _, address in getaddresses([headers.get("To", "")]) if address],
            "messageId": message_id,
            "subject": headers.get("Subject", ""),
        },
        "tags": published_tags,
    }
    record: dict[str, Any] = {"eventType": event_type, "mail": mail}
    if event_type == BOUNCE:
        record["bounce"] = {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [
                {"emailAddress": address, "action": "failed", "status": "5.1.1",
                 "diagnosticCode": "smtp; 550 5.1.1 user unknown"}
                for address in recipients
            ],
            "timestamp": _timestamp(reported_at),
            "feedbackId": feedback_id,
            "reportingMTA": f"dsn; {SIMULATOR_DOMAIN}",
        }
    else:
        record["complaint"] = {
            "complainedRecipients": [{"emailAddress": address} for address in recipients],
            "timestamp": _timestamp(reported_at),
            "feedbackId": feedback_id,
            "userAgent": "Amazon SES Mailbox Simulator",
            "complaintFeedbackType": "abuse",
            "arrivalDate": _timestamp(reported_at),
        }
    return record


def lambda_sns_event(message: str, topic_arn: str, now: datetime) -> dict[str, Any]:
    """The event Lambda hands an SNS-triggered function (as chalice's SNSEvent reads it)."""
    message_id = str(uuid.uuid4())
    return {
        "Records": [{
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": f"{topic_arn}:{uuid.uuid4()}",
            "Sns": {
                "Type": "Notification",
                "MessageId": message_id,
                "TopicArn": topic_arn,
                "Subject": None,
                "Message": message,
                "Timestamp": _timestamp(now),
                "SignatureVersion": "1",
                "Signature": "local",
                "SigningCertUrl": "",
                "UnsubscribeUrl": "",
                "MessageAttributes": {},
            },
        }]
    }


# The headers SES puts into an event record (SES sends them all; these are the ones a
# reader of the dev stack's log or a handler would look at).
_RECORDED_HEADERS = ("From", "To", "Cc", "Subject", "Date", "Message-ID")


class SesSimulator:
    """Watches an SES v2 client's sends; reports the simulator addresses' feedback to
    `deliver` (app.record_ses_feedback) `delay` seconds after each send."""

    def __init__(
        self,
        deliver: Handler,
        clock: Callable[[], datetime],
        region: str,
        *,
        delay: float = 0.3,
    ) -> None:
        self._deliver = deliver
        self._clock = clock
        self._region = region
        self._delay = delay
        self._topic_arn = f"arn:aws:sns:{region}:{ACCOUNT_ID}:{SES_EVENTS_TOPIC}"
        self._lock = threading.Lock()
        self._pending = 0
        self._timers: set[threading.Timer] = set()

    @property
    def pending(self) -> int:
        """Reports scheduled and not yet handled (POST /clock waits for none)."""
        with self._lock:
            return self._pending

    def attach(self, client: SESV2Client) -> None:
        """Watch this client's SendEmail calls (the one chalicelib.aws.clients.sesv2() gives)."""
        events = client.meta.events
        events.register("before-parameter-build.sesv2.SendEmail", self._before_send,
                        unique_id="wegweiser-ses-simulator-before")
        events.register("after-call.sesv2.SendEmail", self._after_send,
                        unique_id="wegweiser-ses-simulator-after")

    def stop(self) -> None:
        """Drop the reports not yet made (at the runner's exit)."""
        with self._lock:
            timers, self._timers = set(self._timers), set()
            self._pending -= len(timers)
        for timer in timers:
            timer.cancel()

    # botocore's handlers: they must never raise, or the send itself would fail.

    def _before_send(self, params: dict[str, Any], context: dict[str, Any],
                     **_: object) -> None:
        try:
            destination = params.get("Destination") or {}
            addresses = [*destination.get("ToAddresses", []), *destination.get("CcAddresses", [])]
            simulated = [(a, kind) for a in addresses if (kind := simulated_event(a))]
            if not simulated:
                return
            raw = params.get("Content", {}).get("Raw", {}).get("Data", b"")
            data = raw if isinstance(raw, bytes) else str(raw).encode()
            parsed = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(data)
            headers = {name: str(parsed[name]) for name in _RECORDED_HEADERS if parsed[name]}
            context[_CONTEXT_KEY] = {
                "simulated": simulated,
                "destination": addresses,
                "source": params.get("FromEmailAddress") or headers.get("From", ""),
                "tags": {tag["Name"]: tag["Value"] for tag in params.get("EmailTags", [])},
                "configuration_set": params.get("ConfigurationSetName"),
                "headers": headers,
                "sent_at": self._clock(),
            }
        except Exception:
            log.exception("ses simulator: could not read a send")

    def _after_send(self, http_response: Any, parsed: dict[str, Any],
                    context: dict[str, Any], **_: object) -> None:
        try:
            facts = context.pop(_CONTEXT_KEY, None)
            if facts is None or getattr(http_response, "status_code", 500) >= 300:
                return  # no simulator address, or SES refused the send: nothing to report
            message_id = parsed["MessageId"]
            by_event: dict[str, list[str]] = {}
            for address, event_type in facts["simulated"]:
                by_event.setdefault(event_type, []).append(address)
            for event_type, recipients in by_event.items():
                self._schedule(event_type, recipients, message_id, facts)
        except Exception:
            log.exception("ses simulator: could not schedule a report")

    def _schedule(self, event_type: str, recipients: list[str], message_id: str,
                  facts: dict[str, Any]) -> None:
        def report() -> None:
            try:
                record = event_record(
                    event_type, recipients, message_id=message_id, sent_at=facts["sent_at"],
                    reported_at=self._clock(), source=facts["source"],
                    destination=facts["destination"], tags=facts["tags"],
                    configuration_set=facts["configuration_set"], headers=facts["headers"],
                    region=self._region)
                event = lambda_sns_event(json.dumps(record), self._topic_arn, self._clock())
                log.info("ses simulator: %s for %s (SES message %s), to record_ses_feedback",
                         event_type, ", ".join(recipients), message_id)
                self._deliver(event, None)
            except Exception:
                log.exception("ses simulator: the %s report failed", event_type)
            finally:
                with self._lock:
                    if timer in self._timers:
                        self._timers.discard(timer)
                        self._pending -= 1

        timer = threading.Timer(self._delay, report)
        timer.name = "ses-simulator"
        timer.daemon = True
        with self._lock:
            self._timers.add(timer)
            self._pending += 1
        timer.start()
