"""The routing rows: a config far larger than any city's, loaded and asked, each as a ratio.

The bundled routing.toml has a handful of topics; this one has 10,000, shaped like
the bundled ones: labelled in every language, each naming one of the bundled contacts
and, as every bundled topic does, a deputy; one contact is away over Christmas, so the
absence rules are checked and used.

- routing_load: what a cold start does with the bundled file, the snapshot `make
  package` wrote of the checked config (core/routing_snapshot.py: read the file, hash
  it, unpickle), against `tomllib.loads` of the same text alone, the least any reading
  of the file costs. Goal: below 1, the snapshot cheaper than parsing the TOML.
- routing: one decision at 10,000 topics against one at the shipped 7, same questions
  (topic drawn at random, language, day), same run: the cost must not grow with the config.
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
import tomllib
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.results import MeasurementFailed, Row
from chalicelib.core.languages import LANGUAGES
from chalicelib.core.routing import RoutingConfig, route_inquiry
from chalicelib.core.routing_file import (
    BUNDLED_ROUTING_FILE,
    bundled_routing,
    parse_routing_text,
)
from chalicelib.core.routing_snapshot import read_snapshot, write_snapshot

TOPICS = 10_000
LOADS = 3
DECISIONS_PER_BATCH = 1_000
BATCHES = 30
DECISION_GOAL = 1.5  # ratio to a decision at the shipped topics
LOAD_GOAL = 1.0  # ratio to tomllib.loads of the same text
ABSENCE = (date(2026, 12, 21), date(2027, 1, 4))


def toml_value(value: object) -> str:
    """A TOML literal for the strings, lists of strings and dates of a routing file."""
    if isinstance(value, date):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False)  # JSON strings and arrays are TOML too


def table_lines(header: str, table: dict[str, Any]) -> Iterator[str]:
    yield f"\n[{header}]"
    for key, value in table.items():
        if isinstance(value, dict):
            yield from (f"{key}.{inner} = {toml_value(v)}" for inner, v in value.items())
        else:
            yield f"{key} = {toml_value(value)}"


def large_routing_text(topics: int = TOPICS) -> str:
    """A valid routing file with `topics` topics, built on the bundled file's people."""
    bundled = tomllib.loads(BUNDLED_ROUTING_FILE.read_text(encoding="utf-8"))
    people = list(bundled["contacts"])
    labels = [table["labels"] for table in bundled["topics"].values()]
    lines = ['fallback_topic = "topic-00000"']
    lines += table_lines("privacy", bundled["privacy"])
    lines += table_lines("accessibility", bundled["accessibility"])
    for key, table in bundled["organisations"].items():
        lines += table_lines(f"organisations.{key}", table)
    for key, table in bundled["contacts"].items():
        lines += table_lines(f"contacts.{key}", table)
    for number in range(topics):
        label = labels[number % len(labels)]
        lines += table_lines(f"topics.topic-{number:05d}", {
            "contacts": [people[number % len(people)]],
            "deputy": people[(number + 1) % len(people)],
            "labels": {language: f"{label[language]} {number}" for language in LANGUAGES},
        })
    lines += table_lines("[absences]", {  # [[absences]]: an array of tables
        "contact": people[0], "first_day": ABSENCE[0], "last_day": ABSENCE[1],
    })
    return "\n".join(lines) + "\n"


def measure_load(text: str, snapshot: Path) -> tuple[Row, RoutingConfig]:
    """The snapshot's load against tomllib.loads of the same text, alternating."""
    config = parse_routing_text(text, "large-routing.toml")
    write_snapshot(snapshot, text, frozenset(), config)
    ours, floor = [], []
    for _ in range(LOADS):
        start = time.perf_counter()
        loaded = read_snapshot(snapshot, snapshot.with_suffix(".toml").read_text("utf-8"),
                               frozenset())
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        tomllib.loads(snapshot.with_suffix(".toml").read_text("utf-8"))
        floor.append(time.perf_counter() - start)
        if loaded is None or len(loaded.topics) != TOPICS:
            raise MeasurementFailed("routing_load: the snapshot was not used")
    return (Row("routing_load", statistics.median(ours), "s", LOAD_GOAL,
                floor=statistics.median(floor)), config)


def per_decision(config: RoutingConfig, topics: list[str]) -> float:
    """Median seconds per decision over batches of random topics, languages and days."""
    choose = random.Random(2026)  # noqa: S311 - a repeatable sample, not a secret
    days = [ABSENCE[0] + timedelta(days=n) for n in range(-7, 21)]
    questions = [(choose.choice(topics), choose.choice(list(LANGUAGES)), choose.choice(days))
                 for _ in range(DECISIONS_PER_BATCH)]
    times = []
    for _ in range(BATCHES):
        start = time.perf_counter()
        for topic, language, day in questions:
            route_inquiry(config, topic, language, day)
        times.append((time.perf_counter() - start) / len(questions))
    return statistics.median(times)


def measure_decision(config: RoutingConfig, shipped: RoutingConfig) -> Row:
    ours = per_decision(config, list(config.topics))
    floor = per_decision(shipped, list(shipped.topics))
    return Row("routing", ours * 1e6, "µs", DECISION_GOAL, floor=floor * 1e6)


def measure() -> list[Row]:
    text = large_routing_text()
    with tempfile.TemporaryDirectory() as folder:
        snapshot = Path(folder) / "large-routing.snapshot"
        snapshot.with_suffix(".toml").write_text(text, encoding="utf-8")
        load, config = measure_load(text, snapshot)
    return [measure_decision(config, bundled_routing()), load]
