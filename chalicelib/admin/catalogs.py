"""What a language still lacks before the form can be offered in it, for `wegweiser check`.

A language is data (locale/languages.toml); the form is offered in it once its catalog is
compiled (core/templating.py, form_languages). An admin who adds a language learns here,
without a test run, what is missing: the catalog itself, messages not translated yet
(or marked fuzzy, which compiling leaves out), plural forms the catalog does not have,
and a compiled catalog older than its source.
"""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib.core.languages import LANGUAGES
from chalicelib.core.templating import DOMAIN, LOCALE_DIR, SOURCE_LANGUAGE

SHOWN_AT_MOST = 3  # untranslated messages named per language


def catalog_gaps(locale_dir: Path = LOCALE_DIR) -> list[str]:
    """One line per gap, in the languages' order; none when every language is complete."""
    from babel.messages.pofile import read_po  # a development tool: the admin's venv has it

    gaps: list[str] = []
    for code in LANGUAGES:
        if code == SOURCE_LANGUAGE:
            continue
        po = locale_dir / code / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo = po.with_suffix(".mo")
        if not po.exists():
            gaps.append(f"language {code}: no catalog {po.relative_to(locale_dir.parent)}; the "
                        f"form is not offered in it (README, \"Translations\")")
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=code)
        missing = [message.id if isinstance(message.id, str) else message.id[0]
                   for message in catalog
                   if message.id and (message.fuzzy or not all(
                       message.string if isinstance(message.string, tuple)
                       else (message.string,)))]
        if missing:
            named = "; ".join(repr(text[:40]) for text in missing[:SHOWN_AT_MOST])
            gaps.append(f"language {code}: {len(missing)} of {len(catalog)} messages not "
                        f"translated yet (e.g. {named})")
        header = re.search(r"nplurals=(\d+)", catalog.plural_forms or "")
        if header is None:
            gaps.append(f"language {code}: the catalog's header has no Plural-Forms")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            gaps.append(f"language {code}: the catalog is not compiled (make catalogs)")
    return gaps
