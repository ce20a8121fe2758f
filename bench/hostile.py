"""The hostile_422 row: the server's time for a 128 KB body of combining marks, beside an
ordinary 422, in the same warm process, alternating.

Before the hardening, normalising such a body (NFC reorders each run of combining
marks, at a cost that grows with the square of the run's length) kept a request busy
for about 35 s. Now it is refused on its raw length and its run of marks before any
normalisation: it should cost about what any refused inquiry costs (goal ≤ 2×, the
bytes of a larger body to decode and parse included).
"""

from __future__ import annotations

import json
import statistics
import time

from chalice.test import Client

from bench import PROJECT_DIR
from bench.lambda_events import INQUIRY
from bench.results import MeasurementFailed, Row
from bench.warm import RATE_LIMIT_ANSWER, fresh_token, stubbed

REQUESTS = 200
WARM_UP = 20
HOSTILE_GOAL = 2.0
# U+036F down to U+0300, highest combining class first, 60,000 of them: 120 KB of UTF-8.
MARKS = "".join(chr(c) for c in range(0x36F, 0x2FF, -1))
COMBINING_MESSAGE = "a" + (MARKS * 600)[:60_000]


def measure(requests: int = REQUESTS) -> list[Row]:
    import app
    from chalicelib.aws import clients as aws_clients

    client = Client(app.app, stage_name="dev", project_dir=str(PROJECT_DIR))
    dynamodb = stubbed(aws_clients.dynamodb())
    bodies = {
        "hostile": json.dumps({**INQUIRY, "message": COMBINING_MESSAGE}, ensure_ascii=False),
        "ordinary": json.dumps({**INQUIRY, "message": ""}, ensure_ascii=False),
    }
    seconds: dict[str, list[float]] = {name: [] for name in bodies}

    def post(name: str) -> float:
        dynamodb.add_response("update_item", RATE_LIMIT_ANSWER)  # the rate limit counts it
        body = json.loads(bodies[name])
        body["form_token"] = fresh_token()
        encoded = json.dumps(body, ensure_ascii=False).encode()
        start = time.perf_counter()
        response = client.http.post("/inquiries", body=encoded,
                                    headers={"Content-Type": "application/json"})
        took = time.perf_counter() - start
        if response.status_code != 422 or list(json.loads(response.body)["errors"]) != ["message"]:
            raise MeasurementFailed(f"{name}: {response.status_code} {response.body[:300]!r}")
        dynamodb.assert_no_pending_responses()
        return took

    for _ in range(WARM_UP):
        for name in bodies:
            post(name)
    for index in range(requests):
        for name in sorted(bodies, reverse=bool(index % 2)):
            seconds[name].append(post(name))
    return [Row("hostile_422", statistics.median(seconds["hostile"]) * 1e6, "µs", HOSTILE_GOAL,
                floor=statistics.median(seconds["ordinary"]) * 1e6)]
