"""The languages Wegweiser speaks to residents, and how to pick one for a request.

One table for every place that needs a language's code, its own name (for the
switcher), its writing direction and how it writes numbers, so a new language is one
row here plus a catalog.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str
    endonym: str  # the language's name in itself, as the switcher shows it
    direction: str  # "ltr" or "rtl"
    # Between groups of three digits, as CLDR writes numbers: 5.000, 5 000 (a no-break space).
    digit_group_separator: str


LANGUAGES: dict[str, Language] = {
    language.code: language
    for language in (
        Language("de", "Deutsch", "ltr", "."),
        Language("en", "English", "ltr", ","),
        Language("ar", "العربية", "rtl", ","),
        Language("uk", "Українська", "ltr", "\u00a0"),
        Language("ru", "Русский", "ltr", "\u00a0"),
        # Dari, the Persian of Afghanistan, is the same written language: named, so that
        # Dari speakers recognise it as theirs.
        Language("fa", "فارسی / دری", "rtl", ","),
        Language("tr", "Türkçe", "ltr", "."),
    )
}

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
