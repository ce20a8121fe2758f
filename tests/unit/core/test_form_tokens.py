"""Signed form tokens (chalicelib/form_token.py): too fast, just right, too old, forged."""

from __future__ import annotations

import re

import pytest

from chalicelib.core.form_token import MAX_AGE_SECONDS, FormTokens

SECRET = b"unit-test-secret"
ISSUED_AT = 1_740_000_000.0  # a whole second, so the token's timestamp is exact
MIN_FILL = 3.0


@pytest.fixture
def tokens() -> FormTokens:
    return FormTokens(secret=SECRET, min_fill_seconds=MIN_FILL)


@pytest.fixture
def token(tokens: FormTokens) -> str:
    return tokens.issue(ISSUED_AT)


def test_a_token_has_a_timestamp_a_nonce_and_a_signature(token: str) -> None:
    issued_at, nonce, signature = token.split(".")

    assert issued_at == str(int(ISSUED_AT * 1000)), "milliseconds since the epoch"
    assert nonce
    assert signature


def test_a_token_is_made_only_of_url_safe_symbols_without_padding(tokens: FormTokens) -> None:
    for _ in range(20):
        assert re.fullmatch(r"[0-9]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}", tokens.issue(ISSUED_AT))


def test_two_tokens_issued_in_the_same_second_differ(tokens: FormTokens) -> None:
    assert tokens.issue(ISSUED_AT) != tokens.issue(ISSUED_AT)


def test_the_maximum_age_is_a_day() -> None:
    assert MAX_AGE_SECONDS == 24 * 60 * 60


@pytest.mark.parametrize(
    "seconds_later",
    [
        pytest.param(0.0, id="at-once"),
        pytest.param(1.0, id="after-1s"),
        pytest.param(MIN_FILL - 0.01, id="just-before-min-fill"),
    ],
)
def test_a_fresh_token_is_refused_as_too_fast_before_the_minimum_fill_time(
    tokens: FormTokens, token: str, seconds_later: float
) -> None:
    assert tokens.problem(token, ISSUED_AT + seconds_later) == "token_too_fast"


@pytest.mark.parametrize(
    "seconds_later",
    [
        pytest.param(MIN_FILL, id="exactly-min-fill"),
        pytest.param(60.0, id="after-a-minute"),
        pytest.param(2 * 60 * 60.0, id="after-two-hours"),
        pytest.param(float(MAX_AGE_SECONDS), id="exactly-24h"),
    ],
)
def test_a_token_is_accepted_from_the_minimum_fill_time_until_a_day(
    tokens: FormTokens, token: str, seconds_later: float
) -> None:
    assert tokens.problem(token, ISSUED_AT + seconds_later) is None


@pytest.mark.parametrize(
    "seconds_later",
    [
        pytest.param(MAX_AGE_SECONDS + 1.0, id="a-second-after-24h"),
        pytest.param(7 * MAX_AGE_SECONDS + 0.0, id="a-week-later"),
    ],
)
def test_a_token_older_than_a_day_is_refused_as_expired(
    tokens: FormTokens, token: str, seconds_later: float
) -> None:
    assert tokens.problem(token, ISSUED_AT + seconds_later) == "token_expired"


def test_a_token_from_the_future_is_not_accepted(tokens: FormTokens) -> None:
    future_token = tokens.issue(ISSUED_AT + 3600)

    assert tokens.problem(future_token, ISSUED_AT) == "token_too_fast"


def test_without_a_minimum_fill_time_a_fresh_token_is_accepted_at_once() -> None:
    tokens = FormTokens(secret=SECRET, min_fill_seconds=0)

    assert tokens.problem(tokens.issue(ISSUED_AT), ISSUED_AT) is None


def test_a_token_signed_with_another_secret_is_refused(token: str) -> None:
    other_stage = FormTokens(secret=b"another-stage-secret", min_fill_seconds=MIN_FILL)

    assert other_stage.problem(token, ISSUED_AT + 60) == "token_invalid"


def test_a_token_whose_timestamp_was_moved_back_is_refused(
    tokens: FormTokens, token: str
) -> None:
    # A bot that waits no time at all would like to claim it fetched the form earlier.
    issued_at, nonce, signature = token.split(".")
    tampered = f"{int(issued_at) - 60}.{nonce}.{signature}"

    assert tokens.problem(tampered, ISSUED_AT) == "token_invalid"


def test_a_token_whose_nonce_was_changed_is_refused(tokens: FormTokens, token: str) -> None:
    issued_at, nonce, signature = token.split(".")
    tampered = f"{issued_at}.{nonce[::-1]}x.{signature}"

    assert tokens.problem(tampered, ISSUED_AT + 60) == "token_invalid"


def test_a_token_whose_signature_was_cut_short_is_refused(
    tokens: FormTokens, token: str
) -> None:
    assert tokens.problem(token[:-1], ISSUED_AT + 60) == "token_invalid"


def test_an_empty_token_is_refused_as_missing(tokens: FormTokens) -> None:
    assert tokens.problem("", ISSUED_AT + 60) == "token_missing"


@pytest.mark.parametrize(
    "garbage",
    [
        pytest.param("garbage", id="a-word"),
        pytest.param(".", id="one-dot"),
        pytest.param("..", id="two-dots"),
        pytest.param("1740000000..", id="timestamp-only"),
        pytest.param("abc.def.ghi", id="letters-for-timestamp"),
        pytest.param("-1740000000.nonce.sig", id="negative-timestamp"),
        pytest.param("\u0661\u0667\u0664\u0660.nonce.sig", id="arabic-indic-digits"),
        pytest.param(" ", id="a-space"),
        pytest.param("1740000000.nonce.sïgnatur", id="non-ascii-signature"),
        pytest.param("1740000000.nonce.\u00e9", id="non-ascii-letter-for-signature"),
    ],
)
def test_garbage_is_refused_as_invalid(tokens: FormTokens, garbage: str) -> None:
    assert tokens.problem(garbage, ISSUED_AT + 60) == "token_invalid"


def test_the_same_form_gives_the_same_reference_seed_and_another_form_another(
    tokens: FormTokens, token: str
) -> None:
    # The seed names the inquiry: a form sent twice must name the same one.
    seed = tokens.reference_seed(token)

    assert len(seed) >= 8
    assert tokens.reference_seed(token) == seed
    assert tokens.reference_seed(tokens.issue(ISSUED_AT)) != seed


def test_the_seed_follows_the_forms_nonce_not_its_time_or_signature(
    tokens: FormTokens, token: str
) -> None:
    issued_at, nonce, signature = token.split(".")

    assert tokens.reference_seed(f"{int(issued_at) + 5}.{nonce}.x{signature}") == (
        tokens.reference_seed(token))


def test_another_stage_derives_another_seed_from_the_same_token(token: str) -> None:
    other_stage = FormTokens(secret=b"another-stage-secret", min_fill_seconds=MIN_FILL)

    assert other_stage.reference_seed(token) != FormTokens(SECRET, MIN_FILL).reference_seed(token)

