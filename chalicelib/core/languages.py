"""The languages Wegweiser speaks to residents, and how to pick one for a request.

The languages are data (locale/languages.toml, beside the catalogs): one table per
language with its code, its own name (for the switcher), its writing direction, how it
writes numbers and its name in each staff language. A city adds a language with that
table, its catalog and its topic labels; no code changes (README, "Translations").
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# locale/ sits beside app.py, in the repository and in the deployment zip alike.
LANGUAGES_FILE = Path(__file__).resolve().parents[2] / "locale" / "languages.toml"
DIRECTIONS = ("ltr", "rtl")


@dataclass(frozen=True)
class Language:
    code: str
    endonym: str  # the language's name in itself, as the switcher shows it
    direction: str  # "ltr" or "rtl"
    # Between groups of three digits, as CLDR writes numbers: 5.000, 5 000 (a no-break space).
    digit_group_separator: str
    names: Mapping[str, str] = field(default_factory=dict)  # by staff language

    def name_in(self, language: str) -> str:
        """Its name in a staff language; in English where that one is not given."""
        return self.names.get(language) or self.names.get("en") or self.endonym


class LanguagesFileError(ValueError):
    """locale/languages.toml is not as the languages need it (a packaging mistake)."""


def read_languages(text: str) -> dict[str, Language]:
    """The languages of a languages file, in its order; LanguagesFileError if one is
    incomplete, so a broken file stops the service from starting (and `make test`)."""
    raw: dict[str, Any] = tomllib.loads(text)
    languages: dict[str, Language] = {}
    for code, table in raw.items():
        if not isinstance(table, dict):
            raise LanguagesFileError(f"{code}: a table, like [{code}]")
        missing = {"endonym", "direction", "digit_group_separator", "names"} - table.keys()
        if missing:
            raise LanguagesFileError(f"{code}: missing {', '.join(sorted(missing))}")
        if table["direction"] not in DIRECTIONS:
            raise LanguagesFileError(f"{code}.direction: ltr or rtl, not {table['direction']!r}")
        names = table["names"]
        if not isinstance(names, dict) or not {"de", "en"} <= names.keys():
            raise LanguagesFileError(f"{code}.names: at least de and en")
        languages[code] = Language(code, str(table["endonym"]), str(table["direction"]),
                                   str(table["digit_group_separator"]),
                                   {str(k): str(v) for k, v in names.items()})
    return languages


LANGUAGES: dict[str, Language] = read_languages(LANGUAGES_FILE.read_text(encoding="utf-8"))

DEFAULT_LANGUAGE = "de"


def write_number(number: int, language: str) -> str:
    """A whole number as the language writes it in a sentence: 5.000, 5 000, 5,000."""
    return f"{number:,}".replace(",", LANGUAGES[language].digit_group_separator)


def negotiate_language(accept_language: str | None, offered: tuple[str, ...]) -> str:
    """The best of `offered` for an Accept-Language header, else German.

    Follows RFC 9110: q-values rank the ranges, a region tag ("ar-SY") matches its
    language, and q=0 excludes. Unparseable parts are skipped, never an error.
    """
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        code = tag.strip().lower().split("-")[0]
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":  # parameter names are case-insensitive
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if code in offered and quality > 0:
            # Sort by quality, then by the order the browser listed them.
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE
