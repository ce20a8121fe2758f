"""Choosing a page language from Accept-Language (chalicelib/languages.py)."""

from __future__ import annotations

import pytest

from chalicelib.core.languages import DEFAULT_LANGUAGE, LANGUAGES, negotiate_language

OFFERED = ("de", "en", "ar")


def test_german_is_the_default_language() -> None:
    assert DEFAULT_LANGUAGE == "de"


def test_a_syrian_browser_gets_arabic() -> None:
    assert negotiate_language("ar-SY,ar;q=0.9,en;q=0.8", OFFERED) == "ar"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("en;q=0.5,ar;q=0.9", "ar", id="higher-q-listed-second"),
        pytest.param("de;q=0.1,en;q=0.2,ar;q=0.3", "ar", id="ascending-q"),
        pytest.param("en;q=0.8, ar", "ar", id="missing-q-means-1"),
        pytest.param("ar;q=0.5,en;q=0.5", "ar", id="tie-goes-to-first-listed"),
        pytest.param("en;q=0.5,ar;q=0.5", "en", id="tie-goes-to-first-listed-other-way"),
        pytest.param("en ; q=0.4 , ar ; q=0.6", "ar", id="spaces-around-separators"),
        pytest.param("ar;q=1,en", "ar", id="missing-q-ties-with-q-1"),
        pytest.param("en;level=1;q=0.1,ar;q=0.5", "ar", id="q-after-another-parameter"),
    ],
)
def test_q_values_win_over_listing_order(header: str, expected: str) -> None:
    assert negotiate_language(header, OFFERED) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("ar;q=0,en", "en", id="excluded-first"),
        pytest.param("ar;q=0.0,en;q=0.1", "en", id="excluded-with-decimal"),
        pytest.param("ar;q=0", "de", id="only-excluded"),
    ],
)
def test_q_zero_excludes_a_language(header: str, expected: str) -> None:
    assert negotiate_language(header, OFFERED) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("en-GB", "en", id="en-GB"),
        pytest.param("en-US,en;q=0.9", "en", id="en-US"),
        pytest.param("ar-SY", "ar", id="ar-SY"),
        pytest.param("AR-sy", "ar", id="any-case"),
        pytest.param("de-AT-1996", "de", id="with-variant"),
        pytest.param("fr-CH,fr;q=0.9,en-US;q=0.8", "en", id="third-range-by-region"),
    ],
)
def test_a_region_tag_matches_its_language(header: str, expected: str) -> None:
    assert negotiate_language(header, OFFERED) == expected


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="no-header"),
        pytest.param("", id="empty"),
        pytest.param("*", id="any"),
        pytest.param("*;q=0.5", id="any-with-q"),
        pytest.param(";;;,,,", id="separators-only"),
        pytest.param("en;q=banana", id="unreadable-q"),
        pytest.param("\x00\ufffd;q=", id="binary-noise"),
        pytest.param("fr-FR,fr;q=0.9", id="french"),
        pytest.param("zh-Hant-TW", id="chinese"),
        pytest.param("uk", id="a-language-not-offered-here"),
    ],
)
def test_without_a_usable_offered_language_the_answer_is_german(header: str | None) -> None:
    assert negotiate_language(header, OFFERED) == "de"


def test_only_offered_languages_are_chosen() -> None:
    assert "uk" in LANGUAGES
    assert negotiate_language("uk,en;q=0.5", ("de", "en")) == "en"


def test_a_q_value_is_read_whatever_its_case() -> None:
    # RFC 9110 section 5.6.6: parameter names are case-insensitive, so "Q=0.1" is q=0.1.
    assert negotiate_language("en;Q=0.1,ar;q=0.5", OFFERED) == "ar"


def test_persian_is_named_so_that_dari_speakers_recognise_their_language() -> None:
    assert LANGUAGES["fa"].endonym == "فارسی / دری"
