"""`make load`: does every accepted inquiry lead to exactly its two emails, under load?

The end-to-end tests send one inquiry at a time. This tool starts the local runner (with
its own moto server, exactly as `make run` does), fires many JSON submissions at it from
several threads, waits until the emulator's SES has sent two emails per accepted inquiry,
and prints what happened: how many were accepted, how many emails went out, whether any
was sent twice or ended in the dead-letter queue, the throughput and the POST latency.
It exits 1 unless every submission was accepted and delivered exactly once.

Only the standard library talks HTTP here, and only to 127.0.0.1; the numbers measure the
local stack (chalice local, the local worker, moto), not AWS.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import re
import signal
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

import boto3

from chalicelib.core.references import PATTERN
from chalicelib.settings import DELIVERY_QUEUE
from devstack.outbox import SentEmail, sent_emails
from devstack.process import RunningStack, start_stack
from devstack.resources import dead_letter_queue_name

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

TOPICS = ("education", "work", "health", "culture", "project", "press", "other")
# One short message per form language, in that language: the mix a real day brings.
MESSAGES = {
    "de": "Ich suche einen Deutschkurs am Abend.",
    "en": "I need help with a job application.",
    "ar": "أحتاج إلى موعد عند طبيب الأطفال.",
    "uk": "Шукаю курс німецької мови для дорослих.",
    "ru": "Мне нужна помощь с заявлением на работу.",
    "fa": "برای پیدا کردن مهدکودک به کمک نیاز دارم.",
    "tr": "Çocuğumun okul kaydı hakkında bilgi almak istiyorum.",
}
LANGUAGES = tuple(MESSAGES)
EMAILS_PER_INQUIRY = 2  # the contact person's and the resident's confirmation
REFERENCE = re.compile(PATTERN.removeprefix("^").removesuffix("$"))  # anywhere in a subject
REQUEST_TIMEOUT = 30.0  # seconds for one HTTP request
# What a request can end in besides an HTTP status: counted by name, never fatal to the run.
REQUEST_ERRORS = (OSError, http.client.HTTPException, ValueError)
# Seconds between two looks at the emulator's SES. Each look makes moto serialise its whole
# state (a few hundred ms of its CPU at 2,000 emails), which the worker then lacks; the
# delivery time is read from the emails' Date headers, so looking less often costs nothing.
POLL_INTERVAL = 2.0
REGION = "eu-central-1"


@dataclass(frozen=True)
class Submission:
    """The answer to one POST /inquiries: its status (or the error), its latency, its reference."""

    status: str  # "201", "422", … or the name of a connection error
    latency: float  # seconds, the POST alone
    reference: str | None


@dataclass(frozen=True)
class Delivery:
    """What the emulator's SES sent, as far as it got before the timeout."""

    emails: int
    duplicates: int
    missing: int  # accepted inquiries' emails that never arrived
    # Seconds from the first submission to the newest Date header; None if some are missing.
    last_email_after: float | None


@dataclass(frozen=True)
class LoadResult:
    submissions: int
    concurrency: int
    statuses: Counter[str]
    latencies: list[float]
    submit_seconds: float
    delivery: Delivery
    dead_lettered: int

    @property
    def accepted(self) -> int:
        return self.statuses["201"]

    def failed_requirements(self) -> list[str]:
        """Every requirement this run missed, in words; empty if it passed."""
        expected_emails = EMAILS_PER_INQUIRY * self.accepted
        checks = [
            (self.accepted == self.submissions,
             f"accepted {self.accepted} of {self.submissions} submissions"),
            (self.delivery.emails == expected_emails,
             f"{self.delivery.emails} emails sent, expected {expected_emails}"),
            (self.delivery.duplicates == 0, f"{self.delivery.duplicates} duplicate emails"),
            (self.dead_lettered == 0, f"{self.dead_lettered} messages dead-lettered"),
        ]
        return [failure for passed, failure in checks if not passed]


def submission_fields(i: int, token: str) -> dict[str, str]:
    """The i-th resident's form: topics cycle, and each topic meets every language in turn."""
    language = LANGUAGES[(i // len(TOPICS)) % len(LANGUAGES)]
    return {
        "email": f"resident{i}@example.org",
        "topic": TOPICS[i % len(TOPICS)],
        "message": f"{MESSAGES[language]} (#{i})",
        "language": language,
        "consent": "yes",  # health asks for explicit consent (Art. 9 GDPR); others ignore it
        "form_token": token,
    }


def fetch_token(form_url: str) -> str:
    with urllib.request.urlopen(f"{form_url}form-token", timeout=REQUEST_TIMEOUT) as answer:  # noqa: S310 - 127.0.0.1
        token = json.load(answer)["form_token"]
    assert isinstance(token, str)
    return token


def post_inquiry(form_url: str, fields: dict[str, str]) -> tuple[str, str | None]:
    """POST one inquiry as JSON; its status and, when accepted, its reference."""
    request = urllib.request.Request(  # noqa: S310 - 127.0.0.1
        f"{form_url}inquiries", data=json.dumps(fields).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as answer:  # noqa: S310
            body = json.load(answer)
            return str(answer.status), body.get("reference")
    except urllib.error.HTTPError as error:
        error.close()
        return str(error.code), None


def submit(form_url: str, i: int) -> Submission:
    """One resident: a fresh token, then the POST; only the POST is timed."""
    try:
        token = fetch_token(form_url)
    except REQUEST_ERRORS as error:
        return Submission(f"token: {type(error).__name__}", 0.0, None)
    started = time.perf_counter()
    try:
        status, reference = post_inquiry(form_url, submission_fields(i, token))
    except REQUEST_ERRORS as error:
        status, reference = type(error).__name__, None
    return Submission(status, time.perf_counter() - started, reference)


def submit_all(form_url: str, count: int, concurrency: int) -> list[Submission]:
    executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="resident")
    try:
        futures = [executor.submit(submit, form_url, i) for i in range(count)]
        return [future.result() for future in as_completed(futures)]
    finally:  # on Ctrl-C: drop what has not started, let the running requests finish
        executor.shutdown(wait=True, cancel_futures=True)


def emulator_sqs(emulator_url: str) -> SQSClient:
    return boto3.client(
        "sqs", endpoint_url=emulator_url, region_name=REGION,
        aws_access_key_id="local", aws_secret_access_key="local",  # noqa: S106 - moto's
    )


def queue_counts(sqs: SQSClient, queue_name: str) -> tuple[int, int]:
    """(waiting, in flight) messages of a queue, as SQS approximates them."""
    queue_url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (int(attributes["ApproximateNumberOfMessages"]),
            int(attributes["ApproximateNumberOfMessagesNotVisible"]))


def sent_at(sent: SentEmail) -> float:
    """When the worker built the email, from its Date header (whole seconds), as a Unix time."""
    return parsedate_to_datetime(sent.header("Date")).timestamp()


def count_delivery(emails: list[SentEmail], references: set[str], started: float) -> Delivery:
    """Count what SES sent; duplicates are emails beyond one per (recipient, reference)."""
    per_pair: Counter[tuple[str, str]] = Counter()
    for sent in emails:
        found = REFERENCE.search(sent.subject)
        for recipient in sent.recipients:
            per_pair[recipient.lower(), found.group() if found else ""] += 1
    duplicates = sum(n - 1 for n in per_pair.values())
    delivered = Counter(ref for _, ref in per_pair if ref in references)  # recipients each
    missing = sum(max(0, EMAILS_PER_INQUIRY - delivered[ref]) for ref in references)
    last = max(map(sent_at, emails), default=started)
    return Delivery(len(emails), duplicates, missing,
                    None if missing else max(0.0, last - started))


def wait_for_delivery(
    emulator_url: str, references: set[str], started: float, timeout: float
) -> Delivery:
    """Poll the emulator's SES until every accepted inquiry has its two emails, or the timeout.

    Once they are all there, wait for the delivery queue to empty and count again, so that
    an email sent twice by a redelivered message is counted too.
    """
    deadline = time.monotonic() + timeout
    sqs = emulator_sqs(emulator_url)
    while (delivery := count_delivery(sent_emails(emulator_url), references, started)).missing:
        if time.monotonic() > deadline:
            return delivery
        time.sleep(POLL_INTERVAL)
    while any(queue_counts(sqs, DELIVERY_QUEUE)) and time.monotonic() < deadline:
        time.sleep(POLL_INTERVAL)
    return count_delivery(sent_emails(emulator_url), references, started)


def dead_lettered(emulator_url: str) -> int:
    """Messages waiting in the delivery queue's dead-letter queue in the emulator."""
    waiting, _ = queue_counts(emulator_sqs(emulator_url), dead_letter_queue_name(DELIVERY_QUEUE))
    return waiting


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share between 0 and 1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(len(ordered) * share)) - 1]


def run_load(stack: RunningStack, submissions: int, concurrency: int, timeout: float) -> LoadResult:
    started, clock = time.time(), time.monotonic()  # wall clock: compared with Date headers
    results = submit_all(stack.form_url, submissions, concurrency)
    submit_seconds = time.monotonic() - clock
    references = {r.reference for r in results if r.status == "201" and r.reference}
    print(f"  {len(references)} accepted in {submit_seconds:.1f} s; waiting for delivery…",
          flush=True)
    delivery = wait_for_delivery(stack.emulator_url, references, started, timeout)
    return LoadResult(
        submissions=submissions,
        concurrency=concurrency,
        statuses=Counter(r.status for r in results),
        latencies=[r.latency for r in results if r.latency > 0],
        submit_seconds=submit_seconds,
        delivery=delivery,
        dead_lettered=dead_lettered(stack.emulator_url),
    )


def report(result: LoadResult) -> str:
    others = ", ".join(f"{n} × {status}" for status, n in sorted(result.statuses.items())
                       if status != "201") or "none"
    latency = (f"{percentile(result.latencies, 0.5) * 1000:.0f} ms / "
               f"{percentile(result.latencies, 0.99) * 1000:.0f} ms"
               if result.latencies else "n/a")
    last = result.delivery.last_email_after
    rows = [
        ("submissions", f"{result.submissions} (concurrency {result.concurrency})"),
        ("accepted (201)", str(result.accepted)),
        ("other answers", others),
        ("emails sent", f"{result.delivery.emails} (expected "
                        f"{EMAILS_PER_INQUIRY * result.accepted})"),
        ("duplicates", str(result.delivery.duplicates)),
        ("dead-lettered", str(result.dead_lettered)),
        ("submission phase", f"{result.submit_seconds:.1f} s"),
        ("throughput", f"{result.accepted / result.submit_seconds:.1f} accepted/s"),
        ("POST latency p50 / p99", latency),
        ("last email arrived",
         f"{last:.0f} s after the first submission (Date headers)" if last is not None
         else f"not all: {result.delivery.missing} emails missing at the timeout"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name:<{width}}  {value}" for name, value in rows)


def notable_lines(output: list[str]) -> list[str]:
    """The runner's lines that may explain a failure: neither its access log nor its INFO lines."""
    noise = re.compile(r"^127\.0\.0\.1 - - | - INFO - ")
    return [line for line in output if line.strip() and not noise.search(line.rstrip())]


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack.load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=1000, help="default: 1000")
    parser.add_argument("--concurrency", type=int, default=16, help="default: 16")
    parser.add_argument("--timeout", type=float, default=300,
                        help="seconds to wait for delivery after the last POST (default: 300)")
    arguments = parser.parse_args(argv)
    if arguments.submissions < 1 or arguments.concurrency < 1:
        parser.error("--submissions and --concurrency must be at least 1")
    return arguments


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    # Started in the background (`make load &`, some CI shells), this process and so the
    # runner would ignore SIGINT, and stack.stop() could not stop it. A handler set here
    # is reset to the default in the child, where Python turns Ctrl-C into KeyboardInterrupt.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    print("Starting the local runner with its own moto server…", flush=True)
    stack = start_stack(MIN_FILL_SECONDS="0", RATE_LIMIT_PER_HOUR="1000000", LOCAL_WORKERS="4")
    try:
        print(f"Sending {arguments.submissions} inquiries, {arguments.concurrency} at a time, "
              f"to {stack.form_url}", flush=True)
        result = run_load(stack, arguments.submissions, arguments.concurrency,
                          arguments.timeout)
    except KeyboardInterrupt:
        print("\nInterrupted; stopping the runner.", flush=True)
        return 130
    finally:
        stack.stop()
    print(report(result))
    failures = result.failed_requirements()
    if failures:
        print("FAILED: " + "; ".join(failures))
        print("The runner's warnings and errors (last 20):\n"
              + "".join(notable_lines(stack.output)[-20:]), end="")
        return 1
    print("PASSED: every submission accepted, two emails each, none twice, none dead-lettered.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
