"""The hourly limit per client (rate_limit.py), counted without keeping the client's address."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from chalicelib.core.rate_limit import RateLimit, RateLimited
from tests.support.fakes import InMemoryCounter

SECRET = b"stage-secret"
CLIENT = "192.0.2.7"
# 10:00 UTC: the hours are counted as whole hours since the Unix epoch.
TEN = datetime(2025, 2, 23, 10, 0, tzinfo=UTC)
HOUR = int(TEN.timestamp()) // 3600


def limit(counter: InMemoryCounter, per_hour: int = 3) -> RateLimit:
    return RateLimit(counter=counter, secret=SECRET, per_hour=per_hour)


def at(minute: int, second: int = 0) -> datetime:
    return TEN.replace(minute=minute, second=second)


def test_a_client_may_send_as_many_as_the_limit_in_an_hour(counter: InMemoryCounter) -> None:
    for minute in range(3):
        limit(counter).check(CLIENT, at(minute))


def test_one_more_in_the_same_hour_is_refused_until_the_hour_is_over(
    counter: InMemoryCounter,
) -> None:
    for minute in range(3):
        limit(counter).check(CLIENT, at(minute))

    with pytest.raises(RateLimited) as refused:
        limit(counter).check(CLIENT, at(40))

    assert refused.value.retry_after == 20 * 60
    assert str(refused.value) == "retry after 1200 s"


def test_in_the_last_second_of_the_hour_the_client_may_retry_after_one_second(
    counter: InMemoryCounter,
) -> None:
    for _ in range(3):
        limit(counter).check(CLIENT, at(0))

    with pytest.raises(RateLimited) as refused:
        limit(counter).check(CLIENT, at(59, 59))

    assert refused.value.retry_after == 1


def test_the_next_hour_counts_afresh(counter: InMemoryCounter) -> None:
    limit(counter, per_hour=1).check(CLIENT, at(30))
    with pytest.raises(RateLimited):
        limit(counter, per_hour=1).check(CLIENT, at(59, 59))

    limit(counter, per_hour=1).check(CLIENT, TEN.replace(hour=11))


def test_each_client_is_counted_on_its_own(counter: InMemoryCounter) -> None:
    limit(counter, per_hour=1).check(CLIENT, at(0))

    limit(counter, per_hour=1).check("192.0.2.8", at(0))

    assert sorted(counter.counts.values()) == [1, 1]


def test_the_counter_holds_one_item_per_client_and_hour_that_expires_with_the_hour(
    counter: InMemoryCounter,
) -> None:
    limit(counter).check(CLIENT, at(5))
    limit(counter).check(CLIENT, at(50))

    [(key, field)] = counter.counts
    assert key.startswith("rate#") and key.endswith(f"#{HOUR}")
    assert CLIENT not in key, "the address itself is never stored"
    assert field == "hits"
    assert counter.counts[key, field] == 2
    assert counter.expires_at[key] == (HOUR + 1) * 3600


def test_a_limit_of_zero_counts_nobody(counter: InMemoryCounter) -> None:
    for _ in range(10):
        limit(counter, per_hour=0).check(CLIENT, at(0))

    assert counter.counts == {}


def test_a_limit_of_one_lets_the_first_through(counter: InMemoryCounter) -> None:
    limit(counter, per_hour=1).check(CLIENT, at(0))

    with pytest.raises(RateLimited):
        limit(counter, per_hour=1).check(CLIENT, at(1))


def test_when_the_counter_is_down_the_request_passes_and_a_warning_says_so(
    counter: InMemoryCounter, caplog: pytest.LogCaptureFixture
) -> None:
    counter.unavailable = True

    with caplog.at_level(logging.WARNING, logger="wegweiser"):
        limit(counter, per_hour=1).check(CLIENT, at(0))

    assert [r.getMessage() for r in caplog.records] == [
        "rate limit not checked: the in-memory counter is switched off"]
