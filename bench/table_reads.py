"""The rows of work that must grow with the work, not with the table: DynamoDB items read.

100,000 open inquiries in the emulator's table, 10 of them due; the clock's run (core/
escalation.py) must read the 10, not the table: its query of the sparse due-by-time index
and one GetItem per due inquiry, so at most 20 items (due_reads). The statistics of twelve
months (`wegweiser stats`) read the months' counts by key and never an inquiry
(stats_reads: at most one item per month, and no inquiry among them).

Items read are counted from the answers botocore parses (Items of a Query, Item of a
GetItem, Responses of a BatchGetItem): counts, not times, so the rows hold on any machine.
"""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config

from bench.render import sample_record
from bench.results import MeasurementFailed, Row
from chalicelib.aws.dynamodb_store import DUE, DynamoDBInquiryStore, _to_item, _utc_text
from chalicelib.aws.unreachable_contacts import DynamoDBUnreachableContacts
from chalicelib.core import statistics
from chalicelib.core.escalation import EscalationClock, start_clock
from chalicelib.core.routing_file import bundled_routing
from chalicelib.core.statistics_report import year_so_far

OPEN = 100_000
DUE_NOW = 10
DUE_GOAL = 20  # items read by one run of the clock
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
BATCH = 25  # BatchWriteItem's most
BENCH_TABLE = "wegweiser-bench-reads"


class ItemsRead:
    """Counts the items in every DynamoDB answer, and the inquiries among them."""

    def __init__(self) -> None:
        self.items = 0
        self.inquiries = 0
        self.operations: Counter[str] = Counter()

    def __call__(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        found: list[dict[str, Any]] = []
        if "Items" in parsed:
            found = parsed["Items"]
        elif "Item" in parsed:
            found = [parsed["Item"]]
        elif "Responses" in parsed:
            found = [item for items in parsed["Responses"].values() for item in items]
        self.operations[model.name] += 1
        self.items += len(found)
        self.inquiries += sum(item["pk"]["S"].startswith("inquiry#") for item in found
                              if "pk" in item)


class NoQueue:
    """The clock queues the emails its steps ask for; this run needs no delivery."""

    def send(self, reference: str) -> None:
        return None


def fill(client: Any, table: str) -> None:
    """100,000 open inquiries received over a year; the first 10 due now, the rest later."""
    template = start_clock(sample_record(), 1)

    def item(number: int) -> dict[str, Any]:
        received = NOW - timedelta(days=30) + timedelta(seconds=number)
        record = replace(template, reference=f"B{number:04d}-{number % 10_000:04d}"[:9],
                         received_at=received)
        stored = _to_item(replace(record, reference=f"BENCH{number:06d}"))
        due_at = NOW - timedelta(hours=1) if number < DUE_NOW else NOW + timedelta(days=1,
                                                                                 seconds=number)
        stored.update(pending={"S": "pending"}, step={"S": "remind"}, due={"S": DUE},
                      due_at={"S": _utc_text(due_at)},
                      expires_at={"N": str(int((NOW + timedelta(days=180)).timestamp()))})
        return stored

    def write(start: int) -> None:
        requests = [{"PutRequest": {"Item": item(n)}}
                    for n in range(start, min(start + BATCH, OPEN))]
        while requests:
            left = client.batch_write_item(RequestItems={table: requests})
            requests = left.get("UnprocessedItems", {}).get(table, [])

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(0, OPEN, BATCH)))


def measure() -> list[Row]:
    from devstack import resources

    # A table of its own, as the stage's: the cold rows' inquiries must not be among the due.
    table = BENCH_TABLE
    # The emulator's query of an index goes through every item (DynamoDB's does not):
    # with 100,000 it takes seconds, so this client waits longer than the service's.
    client = boto3.client("dynamodb", config=Config(read_timeout=600, retries={"max_attempts": 1}))
    resources.ensure_table(client, table)
    fill(client, table)
    logging.getLogger("wegweiser").setLevel(logging.ERROR)  # ten inquiries' steps: no log
    counted = ItemsRead()
    client.meta.events.register("after-call.dynamodb", counted)
    store = DynamoDBInquiryStore(client, table)
    clock = EscalationClock(store=store, queue=NoQueue(), current_routing=bundled_routing,
                            clock=lambda: NOW,
                            unreachable=DynamoDBUnreachableContacts(client, table))
    taken = clock.run()  # each due one takes every step that is due (reminder, escalations)
    due_reads = counted.items
    moved = sum(1 for n in range(DUE_NOW)
                if (record := store.get(f"BENCH{n:06d}", NOW)) and record.steps_taken)
    if moved != DUE_NOW or taken < DUE_NOW:
        raise MeasurementFailed(f"due_reads: {moved} of {DUE_NOW} due inquiries moved")

    counted.items = counted.inquiries = 0
    month = statistics.month_of(NOW)
    store.counts(year_so_far(month))
    if counted.inquiries:
        raise MeasurementFailed(f"stats_reads: {counted.inquiries} inquiries read")
    return [Row("due_reads", due_reads, "items", DUE_GOAL),
            Row("stats_reads", counted.items, "items", len(year_so_far(month)))]
