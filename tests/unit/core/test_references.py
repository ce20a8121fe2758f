"""Inquiry references (chalicelib/references.py): readable aloud, unambiguous, distinct."""

from __future__ import annotations

import re

import pytest

from chalicelib.core.references import ALPHABET, new_reference, reference_from

REFERENCE_PATTERN = re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")
MANY = 10_000


@pytest.fixture(scope="module")
def many_references() -> list[str]:
    return [new_reference() for _ in range(MANY)]


def test_a_reference_is_two_groups_of_four_readable_symbols() -> None:
    assert REFERENCE_PATTERN.fullmatch(new_reference())


def test_every_one_of_many_references_has_the_readable_shape(
    many_references: list[str],
) -> None:
    assert [ref for ref in many_references if not REFERENCE_PATTERN.fullmatch(ref)] == []


@pytest.mark.parametrize("confusable", ["0", "O", "1", "I", "L"])
def test_no_reference_contains_a_symbol_that_reads_like_another(
    many_references: list[str], confusable: str
) -> None:
    assert confusable not in ALPHABET
    assert not any(confusable in ref for ref in many_references)


def test_the_alphabet_has_31_symbols_and_no_lowercase() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 31
    assert not any(symbol.islower() for symbol in ALPHABET)


def test_ten_thousand_references_are_all_distinct(many_references: list[str]) -> None:
    assert len(set(many_references)) == MANY


def test_many_references_use_the_whole_alphabet(many_references: list[str]) -> None:
    used = set("".join(many_references).replace("-", ""))

    assert used == set(ALPHABET)


@pytest.mark.parametrize(("seed", "reference"), [
    pytest.param(bytes(8), "2222-2222", id="zeros"),
    pytest.param(b"\xff" * 8, "H8AP-76DM", id="ones"),
    pytest.param(bytes(range(32)), "W4TM-AY6N", id="a-form-tokens-seed"),
])
def test_a_seed_stands_for_the_same_reference_in_every_version(seed: bytes, reference: str) -> None:
    # A form sent again after a deploy must still name the inquiry it created before.
    assert reference_from(seed) == reference


def test_only_the_first_eight_bytes_of_a_seed_decide_its_reference() -> None:
    seed = bytes(range(8))

    assert reference_from(seed + b"more") == reference_from(seed + b"else") == "W4TM-AY6N"
