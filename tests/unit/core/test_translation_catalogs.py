"""Every text a person reads is in every catalog, translated, with the same placeholders.

The texts are extracted from the code and templates exactly as `make extract` does
(babel.cfg), so a new string without a translation fails here, not in front of a resident.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

PROJECT_DIR = Path(__file__).resolve().parents[3]
CATALOGS = sorted((PROJECT_DIR / "locale").glob("*/LC_MESSAGES/messages.po"))
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "translate": (2,)}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def source_texts() -> set[str]:
    with (PROJECT_DIR / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    return {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(
            str(PROJECT_DIR), method_map, options_map, keywords=KEYWORDS
        )
    }


@pytest.fixture(scope="module")
def texts() -> set[str]:
    found = source_texts()
    assert len(found) > 50, "the extraction found the texts"
    return found


def test_german_the_default_language_has_a_catalog() -> None:
    assert PROJECT_DIR / "locale" / "de" / "LC_MESSAGES" / "messages.po" in CATALOGS


@pytest.mark.parametrize("path", CATALOGS, ids=lambda path: path.parts[-3])
def test_every_text_is_translated_in_the_catalog(path: Path, texts: set[str]) -> None:
    with path.open("rb") as po:
        catalog = read_po(po)
    translated = {
        m.id[0] if isinstance(m.id, tuple) else m.id: m for m in catalog
        # A plural entry is translated when every one of the language's forms is.
        if m.id and m.string and not m.fuzzy
        and (not isinstance(m.string, tuple) or all(m.string))
    }

    missing = sorted(texts - translated.keys())

    assert missing == [], f"{path.parts[-3]}: not translated: {missing}"


@pytest.mark.parametrize("path", CATALOGS, ids=lambda path: path.parts[-3])
def test_every_translation_keeps_the_placeholders_of_its_source(path: Path) -> None:
    with path.open("rb") as po:
        catalog = read_po(po)

    def placeholders(text: object) -> set[str]:
        return set(PLACEHOLDER.findall(str(text)))

    different = [
        message.id for message in catalog
        if message.id and message.string
        and placeholders(message.id) != placeholders(message.string)
    ]

    assert different == []
