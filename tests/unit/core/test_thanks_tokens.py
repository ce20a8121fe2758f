"""The thank-you token (core/thanks_token.py): it lets the thank-you page read one inquiry,
for an hour, and nothing else."""

from __future__ import annotations

import pytest

from chalicelib.core.hashing import derive_key
from chalicelib.core.thanks_token import MAX_AGE_SECONDS, ThanksTokens

TOKENS = ThanksTokens(derive_key(b"a stage secret of enough length", "thanks tokens"))
NOW = 1_796_000_000.0
REFERENCE = "K7QM-X3PA"


def test_a_token_is_valid_for_its_reference_until_an_hour_has_passed() -> None:
    token = TOKENS.issue(REFERENCE, NOW)

    assert TOKENS.valid(token, REFERENCE, NOW)
    assert TOKENS.valid(token, REFERENCE, NOW + MAX_AGE_SECONDS - 1)
    assert not TOKENS.valid(token, REFERENCE, NOW + MAX_AGE_SECONDS)


def test_a_token_does_not_open_another_inquiry() -> None:
    token = TOKENS.issue(REFERENCE, NOW)

    assert not TOKENS.valid(token, "ZZZZ-ZZZZ", NOW)


def test_a_token_signed_with_another_key_is_refused() -> None:
    other = ThanksTokens(derive_key(b"a stage secret of enough length", "form tokens"))

    assert not TOKENS.valid(other.issue(REFERENCE, NOW), REFERENCE, NOW)


def test_a_later_expiry_written_into_a_token_breaks_its_signature() -> None:
    expires_at, signature = TOKENS.issue(REFERENCE, NOW).split(".")
    stretched = f"{int(expires_at) + 86_400}.{signature}"

    assert not TOKENS.valid(stretched, REFERENCE, NOW)


@pytest.mark.parametrize("token", ["", ".", "1796003600", "1796003600.", "x.y",
                                   "١٧٩٦٠٠٣٦٠٠.abc", "9" * 400 + ".abc", "1796003600.ü"])
def test_a_token_that_is_no_token_is_refused_without_an_error(token: str) -> None:
    assert not TOKENS.valid(token, REFERENCE, NOW)


def test_a_token_holds_no_address_only_an_expiry_and_a_signature() -> None:
    token = TOKENS.issue(REFERENCE, NOW)

    expires_at, signature = token.split(".")
    assert int(expires_at) == NOW + MAX_AGE_SECONDS
    assert len(signature) == 43  # 256 bits, URL-safe base64 without padding
    assert "@" not in token and REFERENCE not in token
