"""`python -m bench` (`make bench`): every row of the bench, one table, bench-results.json.

The cold rows run here, around one moto server, each run a fresh process. warm_post,
render and routing are each timed in a fresh interpreter (`python -m bench --measure
NAME`), away from moto's threads and this process's heap, and hand their rows back
as JSON. The zip is built by `make package STAGE=prod`.

A missed goal is shown in the table and the exit status stays 0; a measurement that
could not be taken (the work failed, or the floor no longer does what ours does) is
reported and makes the exit status 1.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench import PROJECT_DIR, cold, package_size, table_reads
from bench.emulator import UNREACHABLE_ENDPOINT, aws_environment, create_resources, moto_server
from bench.results import MeasurementFailed, Row, table, write_json

RESULTS = PROJECT_DIR / "bench-results.json"
# Timed in a fresh interpreter each: the row's name and the module whose measure() times it.
ISOLATED = {"warm_post": "bench.warm", "hostile_422": "bench.hostile",
            "render": "bench.render", "routing": "bench.routing_scale"}
ORDER = ("cold_api", "cold_api_bare", "cold_worker", "cold_worker_bare", "cold_clock",
         "warm_post", "warm_claim", "warm_status", "hostile_422", "render", "rss_api",
         "rss_worker", "rss_clock", "zip", "routing", "routing_load", "due_reads", "stats_reads")


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Run one measurement; if it fails, note why and go on with the next."""
        started = time.monotonic()
        print(f"bench: {name} …", file=sys.stderr, flush=True)
        try:
            yield
        except Exception as error:
            traceback.print_exc(file=sys.stderr)
            self.failures.append(f"{name}: {error}")
        print(f"bench: {name} took {time.monotonic() - started:.1f} s", file=sys.stderr,
              flush=True)

    def ordered_rows(self) -> list[Row]:
        return sorted(self.rows, key=lambda row: ORDER.index(row.name))


def cold_rows(report: Report) -> None:
    with report.step("cold rows: moto server"), moto_server() as emulator:
        os.environ.update(aws_environment(emulator.endpoint))
        create_resources()
        for scenario in (cold.api_scenario(), cold.worker_scenario(), cold.clock_scenario()):
            with report.step(f"cold_{scenario.name}"):
                report.rows += cold.measure(emulator, scenario)
        # Last: it fills the table with 100,000 inquiries.
        with report.step("due_reads and stats_reads"):
            report.rows += table_reads.measure()


def isolated(name: str) -> list[Row]:
    """The rows of one ISOLATED measurement, timed in a fresh interpreter."""
    child = subprocess.run(  # noqa: S603 - this interpreter, our own module
        [sys.executable, "-m", "bench", "--measure", name], cwd=PROJECT_DIR,
        capture_output=True, text=True, timeout=600, check=False,
    )
    if child.returncode != 0:
        raise MeasurementFailed(f"exit {child.returncode}\n{child.stderr[-3000:]}")
    return [Row(**fields) for fields in json.loads(child.stdout.splitlines()[-1])]


def measure_here(name: str) -> int:
    """`--measure NAME`: time one ISOLATED measurement here, print its rows as JSON."""
    os.environ.update(aws_environment(UNREACHABLE_ENDPOINT))
    rows: list[Row] = importlib.import_module(ISOLATED[name]).measure()
    print(json.dumps([row.as_fields() for row in rows]))
    return 0


def machine() -> str:
    """This machine as the README's figures name it: CPUs (as nproc counts), model, Python."""
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    model = next((line.split(":", 1)[1].strip() for line in lines
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    return (f"{len(os.sched_getaffinity(0))} CPUs (nproc), {model}, "
            f"Python {platform.python_version()}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--measure"]:
        return measure_here(argv[1])
    started = time.monotonic()
    report = Report()
    cold_rows(report)
    for name in ISOLATED:
        with report.step(name):
            report.rows += isolated(name)
    with report.step("zip"):
        report.rows += package_size.measure()

    rows = report.ordered_rows()
    write_json(rows, RESULTS)
    print(table(rows))
    for failure in report.failures:
        print(f"FAILED {failure.splitlines()[0]}")
    print(f"\n{sum(row.met for row in rows)} of {len(rows)} goals met; "
          f"{time.monotonic() - started:.0f} s on {machine()}; "
          f"written to {RESULTS.relative_to(PROJECT_DIR)}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
