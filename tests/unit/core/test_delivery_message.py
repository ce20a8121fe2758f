"""The delivery queue's messages (delivery_message.py) and the keyed digests (hashing.py):
what leaves the store names an inquiry or stands for an address, and holds nothing else."""

from __future__ import annotations

import json

import pytest

from chalicelib.core.delivery_message import delivery_message, reference_of
from chalicelib.core.hashing import keyed_digest


def test_a_delivery_message_holds_the_reference_and_nothing_else() -> None:
    assert json.loads(delivery_message("K7QM-X3PA")) == {"reference": "K7QM-X3PA"}


def test_the_reference_is_read_back_from_a_delivery_message() -> None:
    assert reference_of(delivery_message("K7QM-X3PA")) == "K7QM-X3PA"


@pytest.mark.parametrize("body", [
    pytest.param('"K7QM-X3PA"', id="a-bare-string"),
    pytest.param('["K7QM-X3PA"]', id="a-list"),
    pytest.param("{}", id="no-reference"),
    pytest.param('{"Reference": "K7QM-X3PA"}', id="another-key"),
    pytest.param('{"reference": ""}', id="an-empty-reference"),
    pytest.param('{"reference": 42}', id="a-number"),
    pytest.param('{"reference": null}', id="null"),
])
def test_anything_else_on_the_queue_is_no_delivery_message(body: str) -> None:
    with pytest.raises(ValueError, match=r"^not a delivery message$"):
        reference_of(body)


def test_a_body_that_is_not_json_is_no_delivery_message() -> None:
    with pytest.raises(ValueError):
        reference_of("K7QM-X3PA")


# ---------------------------------------------------------------- keyed digests

SECRET = b"stage-secret"


def test_a_digest_is_128_bits_in_hex_and_does_not_show_the_address() -> None:
    digest = keyed_digest(SECRET, "rate", "amal@example.org")

    assert len(digest) == 32
    assert int(digest, 16) >= 0
    assert "amal" not in digest


def test_the_same_address_gives_the_same_digest_for_the_same_purpose() -> None:
    assert keyed_digest(SECRET, "rate", "192.0.2.7") == keyed_digest(SECRET, "rate", "192.0.2.7")


@pytest.mark.parametrize(("secret", "purpose", "value"), [
    pytest.param(b"other-secret", "rate", "192.0.2.7", id="another-stage"),
    pytest.param(SECRET, "feedback", "192.0.2.7", id="another-purpose"),
    pytest.param(SECRET, "rate", "192.0.2.8", id="another-address"),
])
def test_another_stage_purpose_or_address_gives_an_unrelated_digest(
    secret: bytes, purpose: str, value: str
) -> None:
    assert keyed_digest(secret, purpose, value) != keyed_digest(SECRET, "rate", "192.0.2.7")

