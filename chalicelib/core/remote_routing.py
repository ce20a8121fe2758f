"""The routing config from an S3 object or an SSM parameter: changed without a redeploy.

A stage that sets ROUTING_SOURCE (`s3://bucket/key` or `ssm:/parameter/name`) reads its
routing from there instead of the bundled routing.toml. Each container keeps what it
read for ROUTING_CACHE_SECONDS, then reads it again. A source that cannot be read or
holds a broken config never takes the service down: the container keeps the last good
config (or the bundled one, if it never had a good one), logs an ALARM, and tries again
after the next cache period.

RemoteRouting knows nothing of boto3: it gets a fetch function and a clock, so tests
hand in fakes; the fetch functions that read S3 and SSM are in aws/routing_fetch.py.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.core.ports import RoutingFetch
from chalicelib.core.routing import RoutingConfig
from chalicelib.core.routing_file import RoutingConfigError, parse_routing_text
from chalicelib.core.telemetry import Event, emit

MonotonicClock = Callable[[], float]  # seconds, like time.monotonic

# What AWS accepts, roughly: enough to catch a typo when a container starts.
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_PARAMETER = re.compile(r"(/[A-Za-z0-9_.-]+)+")


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class SsmLocation:
    name: str  # begins with "/"

    def __str__(self) -> str:
        return f"ssm:{self.name}"


def parse_location(text: str) -> S3Location | SsmLocation:
    """`s3://bucket/key` or `ssm:/parameter/name`; ValueError says what is wrong."""
    if text.startswith("s3://"):
        bucket, _, key = text.removeprefix("s3://").partition("/")
        if not _BUCKET.fullmatch(bucket) or not key or key.endswith("/"):
            raise ValueError(f"{text!r} is no S3 object: s3://bucket/path/routing.toml")
        return S3Location(bucket, key)
    if text.startswith("ssm:"):
        name = text.removeprefix("ssm:")
        if not _PARAMETER.fullmatch(name):
            raise ValueError(f"{text!r} is no SSM parameter: ssm:/path/name, beginning with '/'")
        return SsmLocation(name)
    raise ValueError(f"{text!r} is neither s3://bucket/key nor ssm:/parameter/name")


class RemoteRouting:
    """The routing config read from `fetch`, kept `cache_seconds`, never worse than `fallback`."""

    def __init__(
        self,
        source: str,
        fetch: RoutingFetch,
        clock: MonotonicClock,
        cache_seconds: float,
        fallback: RoutingConfig,
        contact_domains: frozenset[str] = frozenset(),
    ) -> None:
        self.source = source  # only for the logs: "s3://bucket/key"
        self._fetch = fetch
        self._clock = clock
        self._cache_seconds = cache_seconds
        self._fallback = fallback
        self._contact_domains = contact_domains
        self._good: RoutingConfig | None = None  # the last config read and valid
        self._good_text: str | None = None
        self._next_read: float | None = None  # no read yet: read at once
        self._failing = False
        # `make run` serves several requests at once: one of them reads, the others
        # go on with what is there (a Lambda container serves one at a time).
        self._reading = threading.Lock()

    def current(self) -> RoutingConfig:
        if self._due():
            self._refresh()
        return self._good or self._fallback

    def _due(self) -> bool:
        return self._next_read is None or self._clock() >= self._next_read

    def _refresh(self) -> None:
        # Before the first read every request waits for it; later, a request that finds
        # another one reading goes on with the config it has.
        if not self._reading.acquire(blocking=self._next_read is None):
            return
        try:
            if not self._due():
                return  # another request has just read it
            try:
                self._read()
            finally:
                # Whatever happened, the next read waits a cache period: a broken
                # source is not asked again on every request.
                self._next_read = self._clock() + self._cache_seconds
        finally:
            self._reading.release()

    def _read(self) -> None:
        # Any failure to read (ClientError, BotoCoreError, a file that is not UTF-8…)
        # keeps the service up: it alarms and serves what it has.
        try:
            text = self._fetch()
        except Exception as error:
            self._alarm(f"cannot be read ({type(error).__name__}: {error})")
            return
        if text == self._good_text:
            self._recovered()
            return
        try:
            config = parse_routing_text(text, self.source, self._contact_domains)
        except RoutingConfigError as error:
            # The problems name keys, lines and at most a staff address, never the text.
            problems = "; ".join(str(problem) for problem in error.problems)
            self._alarm(f"invalid config, {len(error.problems)} problem(s): {problems}")
            return
        self._good, self._good_text = config, text
        self._recovered()
        emit(Event.ROUTING_SOURCE_LOADED, "routing source %s: config loaded", self.source)

    def _alarm(self, reason: str) -> None:
        self._failing = True
        serving = "the last good config" if self._good else "the bundled config"
        emit(Event.ROUTING_SOURCE_FAILED, "routing source %s: %s; serving %s", self.source,
             reason, serving)

    def _recovered(self) -> None:
        if self._failing:
            self._failing = False
            emit(Event.ROUTING_SOURCE_RECOVERED, "routing source %s: readable and valid again",
                 self.source)
