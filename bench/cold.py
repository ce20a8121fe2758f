"""The cold rows: a fresh process per run, ours and the floor alternating, medians compared.

A Lambda cold start imports the app and serves its first event. Here each run is a
fresh `python bench/cold_child.py` that does just that against the moto server:
for the API, GET / and one POST /inquiries; for the worker, the delivery of one
inquiry stored beforehand. Ours and the floor alternate in ABBA order, so a machine
that slows down during the run slows both. Every run is checked before it counts:
the answers are right, the emails went out, and the floor created the same boto3
clients and made the same AWS calls as ours.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import FLOOR_DIR, PROJECT_DIR
from bench.emulator import Emulator
from bench.lambda_events import api_event, inquiry_body, scheduled_event, sqs_event
from bench.results import MeasurementFailed, Row

CHILD = Path(__file__).with_name("cold_child.py")
OURS = PROJECT_DIR
FLOOR = FLOOR_DIR
PAIRS = 15
COLD_GOAL = 1.10  # ours may take 10 % longer than the stack floor
BARE_GOAL = 1.25  # and 25 % longer than the bare floor (boto3 clients only)
RSS_GOAL_MIB = 80.0

Invocation = tuple[str, dict[str, Any]]  # a handler of the app module, and its event


@dataclass(frozen=True)
class Scenario:
    """One cold path: what each run asks of the app and what a right outcome looks like."""

    name: str
    invocations: Callable[[], list[Invocation]]  # fresh for each run
    outcome: Callable[[list[Any]], object]  # the part of the answers that must be right
    expected: object
    emails: int  # emails each run sends
    imports: tuple[str, ...] = ()  # what the stack makes this path import (the stack floor)


@dataclass(frozen=True)
class ColdRun:
    seconds: float
    peak_rss_mib: float
    clients: tuple[str, ...]
    calls: tuple[str, ...]


def api_scenario() -> Scenario:
    from chalicelib import wiring

    def invocations() -> list[Invocation]:
        token = wiring.services().new_form_token()
        return [("app", api_event("GET", "/")),
                ("app", api_event("POST", "/inquiries", inquiry_body(token)))]

    # The form page renders a template; the POST checks an address.
    return Scenario("api", invocations, lambda answers: [a["statusCode"] for a in answers],
                    [200, 201], emails=0, imports=("jinja2", "email_validator"))


def worker_scenario() -> Scenario:
    def invocations() -> list[Invocation]:
        return [("deliver_inquiries", sqs_event(stored_inquiry()))]

    return Scenario("worker", invocations, lambda answers: answers,
                    [{"batchItemFailures": []}], emails=2, imports=("jinja2",))


def clock_scenario() -> Scenario:
    """The clock's schedule with nothing due: one query of the due-by-time index."""
    def invocations() -> list[Invocation]:
        return [("remind_and_escalate", scheduled_event())]

    return Scenario("clock", invocations, lambda answers: answers, [None], emails=0)


def stored_inquiry() -> str:
    """The reference of a new inquiry, stored and queued through our app in this process."""
    import app
    from chalicelib import wiring

    logging.getLogger("wegweiser").setLevel(logging.WARNING)  # the harness's POSTs: no log
    event = api_event("POST", "/inquiries", inquiry_body(wiring.services().new_form_token()))
    answer = app.app(event, None)
    if answer["statusCode"] != 201:
        raise MeasurementFailed(f"storing an inquiry for the worker: {answer}")
    return str(json.loads(answer["body"])["reference"])


def run_once(emulator: Emulator, scenario: Scenario, app_dir: Path,
             env: dict[str, str]) -> ColdRun:
    """One fresh process through the scenario, checked."""
    where = f"cold {scenario.name}, {app_dir.relative_to(PROJECT_DIR.parent)}"
    invocations = scenario.invocations()
    emails_before = emulator.sent_emails()
    mark = len(emulator.log.calls)
    child = subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, str(CHILD), str(app_dir)], input=json.dumps(invocations),
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    calls = emulator.log.since(mark)
    if child.returncode != 0:
        raise MeasurementFailed(f"{where}: exit {child.returncode}\n{child.stderr[-3000:]}")
    report = json.loads(child.stdout.splitlines()[-1])
    if Path(report["module"]).parent != app_dir:
        raise MeasurementFailed(f"{where}: imported {report['module']}")
    outcome = scenario.outcome(report["answers"])
    if outcome != scenario.expected:
        raise MeasurementFailed(f"{where}: {outcome!r}, not {scenario.expected!r}")
    sent = emulator.sent_emails() - emails_before
    if sent != scenario.emails:
        raise MeasurementFailed(f"{where}: {sent} emails sent, not {scenario.emails}")
    return ColdRun(report["seconds"], report["peak_rss_mib"], tuple(report["clients"]), calls)


def same_work(ours: ColdRun, other: ColdRun, scenario: Scenario) -> None:
    """Refuse to compare runs that created other clients or made other AWS calls."""
    if (ours.clients, ours.calls) != (other.clients, other.calls):
        raise MeasurementFailed(
            f"cold {scenario.name}: ours and the floor do different AWS work; update "
            f"bench/floor_app/app.py\n  ours:  {ours.clients} {ours.calls}\n"
            f"  other: {other.clients} {other.calls}"
        )


def child_environment(bytecode: Path) -> dict[str, str]:
    """This environment, with every run's bytecode in one fresh cache.

    Whatever this machine's PYTHONDONTWRITEBYTECODE and __pycache__ directories hold,
    no counted run compiles, and none is spared compiling by an earlier `make test`.
    """
    env = {name: value for name, value in os.environ.items()
           if name != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(bytecode)
    return env


def alternate(emulator: Emulator, scenario: Scenario, env: dict[str, str],
              pairs: int) -> tuple[list[ColdRun], list[ColdRun], list[ColdRun]]:
    """`pairs` runs of ours, the stack floor and the bare floor, the order turning
    each pair; (ours, stack floor, bare floor)."""
    # A first run of each, not counted: fills the bytecode cache, warms the file
    # cache, and tells the floor which clients ours creates on this path.
    reference = run_once(emulator, scenario, OURS, env)
    bare_env = {**env, "BENCH_CLIENTS": ",".join(reference.clients)}
    stack_env = {**bare_env, "BENCH_IMPORTS": ",".join(scenario.imports)}
    for floor_env in (bare_env, stack_env):
        same_work(reference, run_once(emulator, scenario, FLOOR, floor_env), scenario)

    ours: list[ColdRun] = []
    stack: list[ColdRun] = []
    bare: list[ColdRun] = []
    order = [(ours, OURS, env), (stack, FLOOR, stack_env), (bare, FLOOR, bare_env)]
    for pair in range(pairs):
        turned = order[pair % 3:] + order[:pair % 3]
        for runs, app_dir, run_env in turned[::-1] if pair % 2 else turned:
            run = run_once(emulator, scenario, app_dir, run_env)
            same_work(reference, run, scenario)
            runs.append(run)
    return ours, stack, bare


def median_ms(runs: list[ColdRun]) -> float:
    return statistics.median(run.seconds for run in runs) * 1000


def measure(emulator: Emulator, scenario: Scenario, pairs: int = PAIRS) -> list[Row]:
    """The cold row and the RSS row of one scenario."""
    with tempfile.TemporaryDirectory(prefix="bench-bytecode-") as bytecode:
        ours, stack, bare = alternate(emulator, scenario, child_environment(Path(bytecode)),
                                      pairs)
    rows = [Row(f"cold_{scenario.name}", median_ms(ours), "ms", COLD_GOAL,
                floor=median_ms(stack))]
    if scenario.imports:  # else the stack floor is the bare one
        rows.append(Row(f"cold_{scenario.name}_bare", median_ms(ours), "ms", BARE_GOAL,
                        floor=median_ms(bare)))
    rows.append(Row(f"rss_{scenario.name}", max(run.peak_rss_mib for run in ours), "MiB",
                    RSS_GOAL_MIB, strict=True))
    return rows
