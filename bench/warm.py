"""The warm_post row: POST /inquiries in a warm process, ours beside the floor's route.

Both go through the same chalice.test.Client, and both make their AWS calls through
boto3 clients whose answers come from botocore's Stubber: what is left is the
app's own work per request (parsing, checking, routing, serialising), not the
network. Each Stubber is given, per request, the answers to the operations that
request must make, in order, and must be empty afterwards: so ours and the floor
are known to make the same calls. Requests alternate between the two.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from botocore.stub import Stubber
from chalice.test import Client

from bench import FLOOR_DIR, PROJECT_DIR
from bench.lambda_events import inquiry_body
from bench.results import MeasurementFailed, Row

REQUESTS = 1000
WARM_UP = 50
WARM_GOAL = 1.5
QUEUE_URL = "http://127.0.0.1:9/123456789012/wegweiser-deliveries"

RATE_LIMIT_ANSWER = {"Attributes": {"hits": {"N": "1"}}}


@dataclass
class Side:
    """One app under test: its client, its stubbed AWS clients, and its timings."""

    name: str
    client: Client
    dynamodb: Stubber
    sqs: Stubber
    seconds: list[float] = field(default_factory=list)
    knows_queue_url: bool = False

    def expect_one_post(self) -> None:
        self.dynamodb.add_response("update_item", RATE_LIMIT_ANSWER)
        self.dynamodb.add_response("get_item", {})  # no contact's address bounced
        # The inquiry and its count in the month's statistics, in one transaction.
        self.dynamodb.add_response("transact_write_items", {})
        if not self.knows_queue_url:  # looked up once per process, then cached
            self.sqs.add_response("get_queue_url", {"QueueUrl": QUEUE_URL})
            self.knows_queue_url = True
        self.sqs.add_response("send_message", {"MessageId": "bench", "MD5OfMessageBody": "0" * 32})

    def post(self) -> float:
        self.expect_one_post()
        body = inquiry_body(fresh_token())
        start = time.perf_counter()
        response = self.client.http.post(
            "/inquiries", body=body.encode(),
            headers={"Content-Type": "application/json", "Accept-Language": "ar"},
        )
        seconds = time.perf_counter() - start
        if response.status_code != 201:
            raise MeasurementFailed(f"warm POST, {self.name}: {response.status_code} "
                                    f"{response.body[:500]!r}")
        for stubber in (self.dynamodb, self.sqs):
            stubber.assert_no_pending_responses()
        return seconds


def fresh_token() -> str:
    """A token as the form carries it; the floor ignores it, ours needs a new one per POST."""
    from chalicelib import wiring

    return wiring.services().new_form_token()


def stubbed(client: Any) -> Stubber:
    stubber = Stubber(client)
    stubber.activate()
    return stubber


def ours() -> Side:
    """Wegweiser, with the clients its wiring creates (cached, so the app gets the same)."""
    import app
    from chalicelib.aws import clients as aws_clients

    return Side("ours", Client(app.app, stage_name="dev", project_dir=str(PROJECT_DIR)),
                stubbed(aws_clients.dynamodb()), stubbed(aws_clients.sqs()))


def floor() -> Side:
    from bench.floor_app import app as floor_app

    return Side("floor", Client(floor_app.app, project_dir=str(FLOOR_DIR)),
                stubbed(floor_app.dynamodb()), stubbed(floor_app.sqs()))


def stored_item() -> tuple[str, dict[str, Any], dict[str, str]]:
    """An inquiry as the store holds it (DynamoDB JSON), and a link's token for each page."""
    from bench.render import sample_record
    from chalicelib import wiring
    from chalicelib.aws.dynamodb_store import _to_item

    record = sample_record()
    item = _to_item(record)
    item["expires_at"] = {"N": str(int(record.expires_at.timestamp()))}
    services = wiring.services()
    tokens = {
        "claim": services.claim_tokens.issue(record.reference, record.recipient.contact_key,
                                             record.expires_at),
        "status": services.status_tokens.issue(record.reference, record.expires_at),
    }
    return record.reference, item, tokens


def page_rows(requests: int, sides: list[Side]) -> list[Row]:
    """The claim and the status page of a stored inquiry, GET, warm, against the floor's."""
    reference, item, tokens = stored_item()
    paths = {"warm_claim": f"/claim/{reference}?t={quote(tokens['claim'], safe='')}",
             "warm_status": f"/ar/status/{reference}?t={quote(tokens['status'], safe='')}"}
    rows = []
    for name, path in paths.items():
        seconds: dict[str, list[float]] = {side.name: [] for side in sides}

        def get(side: Side, path: str = path) -> float:
            side.dynamodb.add_response("get_item", {"Item": item})
            start = time.perf_counter()
            response = side.client.http.get(path)
            took = time.perf_counter() - start
            if response.status_code != 200:
                raise MeasurementFailed(f"{path}, {side.name}: {response.status_code}")
            side.dynamodb.assert_no_pending_responses()
            return took

        for _ in range(WARM_UP):
            for side in sides:
                get(side)
        for index in range(requests):
            for side in sides[::-1] if index % 2 else sides:
                seconds[side.name].append(get(side))
        rows.append(Row(name, statistics.median(seconds["ours"]) * 1e6, "µs", WARM_GOAL,
                        floor=statistics.median(seconds["floor"]) * 1e6))
    return rows


def measure(requests: int = REQUESTS) -> list[Row]:
    """Medians of `requests` POSTs each, after a warm-up; needs the AWS environment set."""
    sides = [ours(), floor()]
    for _ in range(WARM_UP):
        for side in sides:
            side.post()
    for index in range(requests):
        for side in sides[::-1] if index % 2 else sides:
            side.seconds.append(side.post())
    ours_side, floor_side = sides
    return [Row("warm_post", statistics.median(ours_side.seconds) * 1e6, "µs", WARM_GOAL,
                floor=statistics.median(floor_side.seconds) * 1e6),
            *page_rows(requests, sides)]
