"""The routing rows: a config far larger than any city's, loaded, checked and asked.

The bundled routing.toml has a handful of topics; this one has 10,000, shaped like
the bundled ones: labelled in all seven languages, each naming one of the bundled
contacts and, as every bundled topic does, a deputy; one contact is away over
Christmas, so the absence rules are checked and used. Loading it (TOML, then every
check `wegweiser check` makes) happens once per cold start; the decision once per
inquiry.
"""

from __future__ import annotations

import json
import random
import statistics
import time
import tomllib
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from bench.results import MeasurementFailed, Row
from chalicelib.core.languages import LANGUAGES
from chalicelib.core.routing import RoutingConfig, route_inquiry
from chalicelib.core.routing_file import BUNDLED_ROUTING_FILE, parse_routing_text

TOPICS = 10_000
LOADS = 3
DECISIONS_PER_BATCH = 1_000
BATCHES = 30
DECISION_GOAL_US = 20.0
LOAD_GOAL_S = 1.0
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


def measure_load(text: str) -> tuple[Row, RoutingConfig]:
    seconds = []
    for _ in range(LOADS):
        start = time.perf_counter()
        config = parse_routing_text(text, "large-routing.toml")
        seconds.append(time.perf_counter() - start)
    if len(config.topics) != TOPICS:
        raise MeasurementFailed(f"routing: {len(config.topics)} topics loaded, not {TOPICS}")
    return Row("routing_load", statistics.median(seconds), "s", LOAD_GOAL_S), config


def measure_decision(config: RoutingConfig) -> Row:
    """Median seconds per decision over batches of random topics, languages and days."""
    choose = random.Random(2026)  # noqa: S311 - a repeatable sample, not a secret
    topics = list(config.topics)
    days = [ABSENCE[0] + timedelta(days=n) for n in range(-7, 21)]
    questions = [(choose.choice(topics), choose.choice(list(LANGUAGES)), choose.choice(days))
                 for _ in range(DECISIONS_PER_BATCH)]
    per_decision = []
    for _ in range(BATCHES):
        start = time.perf_counter()
        for topic, language, day in questions:
            route_inquiry(config, topic, language, day)
        per_decision.append((time.perf_counter() - start) / len(questions))
    return Row("routing", statistics.median(per_decision) * 1e6, "µs", DECISION_GOAL_US)


def measure() -> list[Row]:
    load, config = measure_load(large_routing_text())
    return [measure_decision(config), load]
