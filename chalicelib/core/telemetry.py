"""What happened, as structured logs and as CloudWatch metrics: one JSON object per line.

Every event has a name (Event), a level, and possibly a metric. A log line names the
event, the reference and the outcome, never an address, a name or a message typed by
a resident. An event with a metric also carries it in CloudWatch's Embedded Metric
Format (the `_aws` block), so CloudWatch counts it from the log line itself, and the
alarms of the stack watch those counts: the words of a message can change freely
without silencing an alarm, which a filter on the log text could not promise.

AWS Lambda Powertools does the same with Logger and Metrics; measured here, they cost
59 ms and 63 ms of a cold start (the whole slack of the cold-start budget is about
23 ms), so this module is the small part of them that Wegweiser needs.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, Any

log = logging.getLogger("wegweiser")

DEFAULT_NAMESPACE = "Wegweiser"


@dataclass(frozen=True)
class Kind:
    level: int
    metric: str | None = None  # the CloudWatch metric the event counts, if any
    alarm: bool = False  # a person must act: the stack alarms on the metric


class Event(StrEnum):
    """Every event the service logs; the value is the `event` field of the log line."""

    INQUIRY_ACCEPTED = "inquiry_accepted"
    INQUIRY_SENT_AGAIN = "inquiry_sent_again"
    HONEYPOT_FILLED = "honeypot_filled"
    INQUIRY_NOT_QUEUED = "inquiry_not_queued"
    RATE_LIMIT_UNCHECKED = "rate_limit_unchecked"
    EMAIL_SENT = "email_sent"
    EMAIL_NOT_SENT = "email_not_sent"  # retrying can help
    SENDING_PAUSED = "sending_paused"  # the account, not the message: a person must act
    EMAIL_REFUSED = "email_refused"  # for good: marked failed, not retried
    CONFIRMATION_WITHHELD = "confirmation_withheld"
    NOTHING_TO_DELIVER = "nothing_to_deliver"
    DELIVERY_RETURNED = "delivery_returned"  # the queue message comes back later
    STALLED_REQUEUED = "stalled_requeued"
    SWEEP_GAVE_UP = "sweep_gave_up"
    SWEEP_QUEUE_UNAVAILABLE = "sweep_queue_unavailable"
    CONTACT_BOUNCED = "contact_bounced"
    INQUIRY_FAILED_OVER = "inquiry_failed_over"  # a holder's address bounced: passed on
    UNREACHABLE_UNKNOWN = "unreachable_unknown"  # the bounced contacts could not be read
    RESIDENT_BOUNCED = "resident_bounced"
    COMPLAINT = "complaint"
    FEEDBACK_NOT_RECORDED = "feedback_not_recorded"
    ROUTING_SOURCE_LOADED = "routing_source_loaded"
    ROUTING_SOURCE_FAILED = "routing_source_failed"
    ROUTING_SOURCE_RECOVERED = "routing_source_recovered"
    THANKS_WITHOUT_ADDRESS = "thanks_without_address"  # the store could not be read
    # The loop: claims, reminders and escalations (core/claims.py, core/escalation.py).
    INQUIRY_CLAIMED = "inquiry_claimed"
    CLAIM_LINK_REFUSED = "claim_link_refused"
    REMINDER_ASKED = "reminder_asked"
    REMINDER_OVERTAKEN = "reminder_overtaken"  # its escalation was due as well
    INQUIRY_ESCALATED = "inquiry_escalated"
    ESCALATION_SKIPPED = "escalation_skipped"  # its target had it, is absent or missing
    NOBODY_LEFT = "nobody_left"  # unclaimed, and no one left to escalate it to
    CLOCK_RAN = "clock_ran"
    CLOCK_BEHIND = "clock_behind"  # more due than one run takes
    CLOCK_NOT_QUEUED = "clock_not_queued"  # the sweep queues it
    CLOCK_INQUIRY_GONE = "clock_inquiry_gone"
    CLOCK_STEP_FAILED = "clock_step_failed"  # tried again in a later run
    CLOCK_GAVE_UP = "clock_gave_up"  # after the last try: set aside, a person must act
    # Closing the loop (core/follow_up.py): the follow-up, the resident's answer, the close.
    FOLLOW_UP_ASKED = "follow_up_asked"
    FOLLOW_UP_WITHHELD = "follow_up_withheld"  # the address bounced or complained
    ANSWER_RECORDED = "answer_recorded"
    ANSWER_LINK_REFUSED = "answer_link_refused"
    LOOP_CLOSED = "loop_closed"  # the personal data is forgotten
    # Erasure on the resident's request (core/erasure.py).
    INQUIRY_ERASED = "inquiry_erased"
    ERASURE_NOT_QUEUED = "erasure_not_queued"  # its notes: the sweep queues them
    # The monthly report of the anonymous statistics (core/statistics_report.py).
    REPORT_SENT = "report_sent"
    REPORT_NOT_SENT = "report_not_sent"  # tried again by the next day's run


INFO, WARNING, ERROR = logging.INFO, logging.WARNING, logging.ERROR

KINDS: dict[Event, Kind] = {
    Event.INQUIRY_ACCEPTED: Kind(INFO, "InquiriesAccepted"),
    Event.INQUIRY_SENT_AGAIN: Kind(INFO),
    Event.HONEYPOT_FILLED: Kind(INFO, "HoneypotsFilled"),
    Event.INQUIRY_NOT_QUEUED: Kind(WARNING, "InquiriesNotQueued"),
    Event.RATE_LIMIT_UNCHECKED: Kind(WARNING),
    Event.EMAIL_SENT: Kind(INFO, "EmailsSent"),
    Event.EMAIL_NOT_SENT: Kind(WARNING, "EmailsNotSent"),
    Event.SENDING_PAUSED: Kind(ERROR, "SendingPaused", alarm=True),
    Event.EMAIL_REFUSED: Kind(ERROR, "EmailsRefused", alarm=True),
    Event.CONFIRMATION_WITHHELD: Kind(WARNING, "ConfirmationsWithheld"),
    Event.NOTHING_TO_DELIVER: Kind(WARNING),
    Event.DELIVERY_RETURNED: Kind(WARNING, "DeliveriesReturned"),
    Event.STALLED_REQUEUED: Kind(WARNING, "StalledRequeued"),
    Event.SWEEP_GAVE_UP: Kind(ERROR, "SweepGaveUp", alarm=True),
    Event.SWEEP_QUEUE_UNAVAILABLE: Kind(ERROR, "SweepQueueUnavailable", alarm=True),
    Event.CONTACT_BOUNCED: Kind(ERROR, "ContactBounces", alarm=True),
    Event.INQUIRY_FAILED_OVER: Kind(WARNING, "FailOvers"),
    Event.UNREACHABLE_UNKNOWN: Kind(WARNING),
    Event.RESIDENT_BOUNCED: Kind(WARNING, "ResidentBounces"),
    Event.COMPLAINT: Kind(WARNING, "Complaints"),
    Event.FEEDBACK_NOT_RECORDED: Kind(WARNING),
    Event.ROUTING_SOURCE_LOADED: Kind(INFO),
    Event.ROUTING_SOURCE_FAILED: Kind(ERROR, "RoutingSourceFailures", alarm=True),
    Event.ROUTING_SOURCE_RECOVERED: Kind(INFO),
    Event.THANKS_WITHOUT_ADDRESS: Kind(WARNING),
    Event.INQUIRY_CLAIMED: Kind(INFO, "InquiriesClaimed"),
    Event.CLAIM_LINK_REFUSED: Kind(WARNING, "ClaimLinksRefused"),
    Event.REMINDER_ASKED: Kind(INFO, "Reminders"),
    Event.REMINDER_OVERTAKEN: Kind(INFO),
    Event.INQUIRY_ESCALATED: Kind(WARNING, "Escalations"),
    Event.ESCALATION_SKIPPED: Kind(INFO),
    Event.NOBODY_LEFT: Kind(ERROR, "NobodyLeftToEscalate", alarm=True),
    Event.CLOCK_RAN: Kind(INFO),
    Event.CLOCK_BEHIND: Kind(WARNING, "ClockBehind"),
    Event.CLOCK_NOT_QUEUED: Kind(WARNING, "ClockStepsNotQueued"),
    Event.CLOCK_INQUIRY_GONE: Kind(INFO),
    Event.CLOCK_STEP_FAILED: Kind(WARNING, "ClockStepsFailed"),
    Event.CLOCK_GAVE_UP: Kind(ERROR, "ClockGaveUp", alarm=True),
    Event.FOLLOW_UP_ASKED: Kind(INFO),
    Event.FOLLOW_UP_WITHHELD: Kind(INFO),
    Event.ANSWER_RECORDED: Kind(INFO),
    Event.ANSWER_LINK_REFUSED: Kind(WARNING),
    Event.LOOP_CLOSED: Kind(INFO),
    Event.INQUIRY_ERASED: Kind(INFO, "Erasures"),
    Event.ERASURE_NOT_QUEUED: Kind(WARNING, "ErasureNotesNotQueued"),
    Event.REPORT_SENT: Kind(INFO, "ReportsSent"),
    Event.REPORT_NOT_SENT: Kind(ERROR, "ReportsNotSent", alarm=True),
}

ALARM_METRICS = frozenset(kind.metric for kind in KINDS.values() if kind.alarm and kind.metric)


def emit(event: Event, message: str, *args: object, reference: str | None = None,
         **details: str | int) -> None:
    """Log one event: `message % args` for people, the rest as fields for machines.

    `details` must never hold personal data: kinds, codes, counts, contact keys.
    """
    kind = KINDS[event]
    prefix = "ALARM " if kind.alarm else ""
    log.log(kind.level, prefix + message, *args,
            extra={"event": event, "reference": reference, "details": details})


class JsonLines(logging.Formatter):
    """A log record as one JSON object; with the event's metric in Embedded Metric Format."""

    def __init__(self, namespace: str | None = None) -> None:
        super().__init__()
        self._namespace = namespace

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        event = getattr(record, "event", None)
        if isinstance(event, Event):
            line["event"] = str(event)
            reference = getattr(record, "reference", None)
            if reference:
                line["reference"] = reference
            line.update(getattr(record, "details", {}))
            metric = KINDS[event].metric
            if metric:
                line[metric] = 1
                line["_aws"] = {
                    "Timestamp": int(record.created * 1000),
                    "CloudWatchMetrics": [{
                        "Namespace": self.namespace,
                        "Dimensions": [[]],
                        "Metrics": [{"Name": metric, "Unit": "Count"}],
                    }],
                }
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)

    @property
    def namespace(self) -> str:
        # Read when the first metric is written, never at import: the stack sets it.
        if self._namespace is None:
            self._namespace = os.environ.get("METRICS_NAMESPACE", DEFAULT_NAMESPACE)
        return self._namespace


def install_json_logs(stream: IO[str] | None = None, level: int = logging.INFO) -> None:
    """Write Wegweiser's log records as JSON lines (to stdout, which Lambda sends to
    CloudWatch Logs); once, however often it is called."""
    if any(isinstance(h.formatter, JsonLines) for h in log.handlers):
        return
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonLines())
    log.addHandler(handler)
    log.setLevel(level)
    # Not also through Lambda's own root handler as a second, plain-text line.
    log.propagate = False


def metric_counts(lines: str) -> dict[str, int]:
    """The metrics a stretch of JSON log lines carries, as CloudWatch would count them."""
    counts: dict[str, int] = {}
    for text in lines.splitlines():
        try:
            line = json.loads(text)
        except ValueError:
            continue
        if not isinstance(line, dict) or "_aws" not in line:
            continue
        for directive in line["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                counts[metric["Name"]] = counts.get(metric["Name"], 0) + int(line[metric["Name"]])
    return counts

