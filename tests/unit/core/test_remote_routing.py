"""The routing read from S3 or SSM (remote_routing.py): cached, never worse than the last
good config, and loud when the source cannot be used.

The fetch function and the clock are handed in, so no AWS is needed: a Source here is
an uploaded text that counts its reads. tests/functional/test_routing_source.py drives
the same class through app.py against the emulator.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.core.remote_routing import (
    RemoteRouting,
    S3Location,
    SsmLocation,
    parse_location,
)
from chalicelib.core.routing import RoutingConfig
from chalicelib.core.routing_file import parse_routing_text
from tests.unit.core.clinic_routing import CLINIC, LABELS

SOURCE = "s3://wegweiser-routing/prod/routing.toml"
CACHE_SECONDS = 300


def routing_text(health_goes_to: str) -> str:
    return f"""fallback_topic = "health"
{CLINIC}
[topics.health]
contacts = ["{health_goes_to}"]
{LABELS}
"""


BUNDLED = parse_routing_text(routing_text("first"))  # stands in for the bundled file
BROKEN = routing_text("second").replace('fallback_topic = "health"', 'fallback_topic = "other"')


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Source:
    """An uploaded text that counts how often it was read; `error` makes reads fail."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.reads = 0
        self.error: Exception | None = None

    def __call__(self) -> str:
        self.reads += 1
        if self.error is not None:
            raise self.error
        return self.text


def remote(source: Source, clock: Clock) -> RemoteRouting:
    return RemoteRouting(SOURCE, source, clock, CACHE_SECONDS, BUNDLED)


def health(config: RoutingConfig) -> str:
    return config.topics["health"].contacts[0].key


def logged(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "wegweiser"]


# ----------------------------------------------------------- where it is read


@pytest.mark.parametrize(("text", "location"), [
    pytest.param(SOURCE, S3Location("wegweiser-routing", "prod/routing.toml"), id="s3"),
    pytest.param("s3://abc/routing.toml", S3Location("abc", "routing.toml"), id="short-bucket"),
    pytest.param("ssm:/wegweiser/prod/routing", SsmLocation("/wegweiser/prod/routing"),
                 id="ssm"),
])
def test_a_source_names_an_s3_object_or_an_ssm_parameter(
    text: str, location: S3Location | SsmLocation
) -> None:
    assert parse_location(text) == location
    assert str(location) == text


@pytest.mark.parametrize(("text", "why"), [
    pytest.param("s3://wegweiser-routing", "is no S3 object: s3://bucket/path/routing.toml",
                 id="s3-without-key"),
    pytest.param("s3://wegweiser-routing/prod/", "is no S3 object", id="s3-folder"),
    pytest.param("s3://Not_A_Bucket/routing.toml", "is no S3 object", id="s3-bad-bucket"),
    pytest.param("s3://ab/routing.toml", "is no S3 object", id="s3-bucket-too-short"),
    pytest.param("ssm:wegweiser/routing",
                 "is no SSM parameter: ssm:/path/name, beginning with '/'", id="ssm-relative"),
    pytest.param("ssm:/", "is no SSM parameter", id="ssm-root"),
    pytest.param("S3://wegweiser-routing/routing.toml",
                 "is neither s3://bucket/key nor ssm:/parameter/name", id="capitals"),
    pytest.param("routing.toml", "is neither s3://bucket/key nor ssm:/parameter/name",
                 id="a-file-name"),
])
def test_any_other_source_is_refused_saying_what_it_should_look_like(text: str, why: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_location(text)

    assert str(refused.value).startswith(f"{text!r} {why}")


# --------------------------------------------------------------- the cache


def test_the_first_request_reads_the_source_and_is_served_by_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    source = Source(routing_text("second"))

    with caplog.at_level(logging.INFO, logger="wegweiser"):
        config = remote(source, Clock()).current()

    assert health(config) == "second"
    assert source.reads == 1
    assert logged(caplog) == [(logging.INFO, f"routing source {SOURCE}: config loaded")]


def test_within_the_cache_period_the_source_is_not_read_again() -> None:
    source, clock = Source(routing_text("second")), Clock()
    routing = remote(source, clock)
    routing.current()

    source.text = routing_text("first")
    clock.now += CACHE_SECONDS - 0.5

    assert health(routing.current()) == "second"
    assert source.reads == 1


def test_once_the_cache_period_is_over_a_changed_source_is_read_and_used() -> None:
    source, clock = Source(routing_text("second")), Clock()
    routing = remote(source, clock)
    routing.current()

    source.text = routing_text("first")
    clock.now += CACHE_SECONDS

    assert health(routing.current()) == "first"
    assert source.reads == 2
    assert health(routing.current()) == "first"
    assert source.reads == 2, "and then cached again"


def test_an_unchanged_source_read_again_serves_the_same_config() -> None:
    source, clock = Source(routing_text("second")), Clock()
    routing = remote(source, clock)
    first = routing.current()
    clock.now += CACHE_SECONDS

    assert routing.current() == first
    assert source.reads == 2


# ---------------------------------------------------------------- failures


def test_a_source_that_was_never_good_serves_the_bundled_config_and_alarms(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="wegweiser"):
        config = remote(Source(BROKEN), Clock()).current()

    assert config is BUNDLED
    assert logged(caplog) == [(
        logging.ERROR,
        f"ALARM routing source {SOURCE}: invalid config, 1 problem(s): line 1: fallback_topic: "
        "'other' is not a topic of this file; serving the bundled config",
    )]


def test_the_alarm_names_every_problem_of_the_file(caplog: pytest.LogCaptureFixture) -> None:
    broken = BROKEN.replace('staff_language = "ar"', 'staff_language = "xx"')

    with caplog.at_level(logging.ERROR, logger="wegweiser"):
        remote(Source(broken), Clock()).current()

    [(_, alarm)] = logged(caplog)
    assert "invalid config, 2 problem(s): line " in alarm
    assert "unknown language 'xx'" in alarm
    assert "; line 1: fallback_topic: 'other' is not a topic" in alarm


def test_an_empty_upload_is_refused_like_any_broken_config(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="wegweiser"):
        config = remote(Source(""), Clock()).current()

    assert config is BUNDLED
    [(_, alarm)] = logged(caplog)
    assert alarm.startswith(f"ALARM routing source {SOURCE}: invalid config, ")


def test_a_file_that_is_not_toml_is_named_by_its_source_in_the_alarm(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="wegweiser"):
        remote(Source("this is = not [toml"), Clock()).current()

    [(_, alarm)] = logged(caplog)
    assert f"1 problem(s): line 1: {SOURCE}: not valid TOML: " in alarm


def test_a_source_that_cannot_be_read_keeps_the_last_good_config_and_alarms_once_per_period(
    caplog: pytest.LogCaptureFixture,
) -> None:
    source, clock = Source(routing_text("second")), Clock()
    routing = remote(source, clock)
    routing.current()
    source.error = OSError("connection refused")
    clock.now += CACHE_SECONDS
    caplog.clear()

    with caplog.at_level(logging.INFO, logger="wegweiser"):
        served = [health(routing.current()) for _ in range(5)]

    assert served == ["second"] * 5
    assert source.reads == 2
    assert logged(caplog) == [(
        logging.ERROR,
        f"ALARM routing source {SOURCE}: cannot be read (OSError: connection refused); "
        "serving the last good config",
    )]


def test_a_source_readable_again_is_used_and_the_recovery_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    source, clock = Source(routing_text("second")), Clock()
    routing = remote(source, clock)
    routing.current()
    source.error = OSError("connection refused")
    clock.now += CACHE_SECONDS
    routing.current()

    source.error, source.text = None, routing_text("first")
    clock.now += CACHE_SECONDS
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="wegweiser"):
        assert health(routing.current()) == "first"
        clock.now += CACHE_SECONDS
        routing.current()

    assert logged(caplog) == [
        (logging.INFO, f"routing source {SOURCE}: readable and valid again"),
        (logging.INFO, f"routing source {SOURCE}: config loaded"),
    ]


def test_the_same_good_text_after_a_failure_counts_as_recovered(
    caplog: pytest.LogCaptureFixture,
) -> None:
    source, clock = Source(routing_text("second")), Clock()
    routing = remote(source, clock)
    routing.current()
    source.error = OSError("connection refused")
    clock.now += CACHE_SECONDS
    routing.current()

    source.error = None
    clock.now += CACHE_SECONDS
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="wegweiser"):
        routing.current()

    assert logged(caplog) == [(logging.INFO, f"routing source {SOURCE}: readable and valid again")]


# ------------------------------------------------------------- many requests


def test_requests_during_the_first_read_wait_for_it_and_it_happens_once() -> None:
    reading, may_finish = threading.Event(), threading.Event()
    source = Source(routing_text("second"))

    def slow_read() -> str:
        reading.set()
        assert may_finish.wait(10)
        return source()

    routing = RemoteRouting(SOURCE, slow_read, Clock(), CACHE_SECONDS, BUNDLED)
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(routing.current)
        assert reading.wait(10)
        second = pool.submit(routing.current)
        may_finish.set()
        configs = [first.result(10), second.result(10)]

    assert [health(config) for config in configs] == ["second", "second"]
    assert source.reads == 1


def test_a_request_during_a_later_read_goes_on_with_the_config_it_has() -> None:
    reading, may_finish = threading.Event(), threading.Event()
    source, clock = Source(routing_text("second")), Clock()
    slow = False

    def read() -> str:
        if slow:
            reading.set()
            assert may_finish.wait(10)
        return source()

    routing = RemoteRouting(SOURCE, read, clock, CACHE_SECONDS, BUNDLED)
    routing.current()
    source.text, slow = routing_text("first"), True
    clock.now += CACHE_SECONDS
    with ThreadPoolExecutor(max_workers=2) as pool:
        refreshing = pool.submit(routing.current)
        assert reading.wait(10)
        meanwhile = pool.submit(routing.current).result(5)
        may_finish.set()
        refreshed = refreshing.result(10)

    assert health(meanwhile) == "second", "served at once, without waiting for the read"
    assert health(refreshed) == "first"
