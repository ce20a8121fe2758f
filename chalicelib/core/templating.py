"""Templates and translations: one Jinja2 environment per language, built on first use.

Every text a person reads comes from a gettext catalog (locale/<lang>/LC_MESSAGES),
so a new language is a catalog, not a copy of the templates. English is the source
language of the catalogs. HTML templates are autoescaped; text templates (the plain
parts of emails) are not, because they are not HTML.

`make package` compiles every template to Python (templates/compiled/, in the zip, not
in git): a cold start then imports them instead of parsing and compiling Jinja source,
about 16 to 20 ms of the first page or email. They are used only while their stamp
matches the templates they were compiled from, so an edited template is never served
from a stale compilation (the dev tree simply has none).
"""

from __future__ import annotations

import functools
import gettext
import hashlib
from pathlib import Path

from jinja2 import BaseLoader, Environment, FileSystemLoader, ModuleLoader, select_autoescape
from markupsafe import Markup, escape

from chalicelib.core.languages import LANGUAGES, write_number

# In the repository and in the deployment zip alike, templates/ and locale/ sit
# beside app.py (the zip gets them through the vendor/ links).
PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIR = PROJECT_ROOT / "templates"
LOCALE_DIR = PROJECT_ROOT / "locale"
SOURCE_LANGUAGE = "en"
DOMAIN = "messages"


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for the catalogs without translating it here."""
    return message


@functools.cache
def catalog(language: str) -> gettext.NullTranslations:
    """The compiled catalog of a language; missing catalogs fail loudly, except English."""
    return gettext.translation(
        DOMAIN, LOCALE_DIR, languages=[language], fallback=language == SOURCE_LANGUAGE
    )


@functools.cache
def form_languages() -> tuple[str, ...]:
    """The languages the pages are offered in: those with a compiled catalog, in table order."""
    return tuple(
        code
        for code in LANGUAGES
        if code == SOURCE_LANGUAGE or (LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.mo").exists()
    )


def nl2br(text: str) -> Markup:
    """Escape, then keep line breaks: Outlook ignores CSS white-space, but not <br>."""
    return Markup("<br>\n").join(escape(line) for line in text.split("\n"))


def ltr(text: object) -> Markup:
    """A Latin-script name (a person, an organisation) isolated left to right: in an
    Arabic or Persian sentence, "Integration in Flensburg e.V." keeps its full stop at
    its end instead of showing ".Integration in Flensburg e.V"."""
    return Markup('<span dir="ltr">%s</span>') % text


COMPILED_DIR = TEMPLATE_DIR / "compiled"
COMPILED_STAMP = COMPILED_DIR / "templates.sha256"
TEMPLATE_SUFFIXES = (".html", ".txt")


def _sources() -> list[Path]:
    return sorted(path for path in TEMPLATE_DIR.rglob("*")
                  if path.suffix in TEMPLATE_SUFFIXES and COMPILED_DIR not in path.parents)


def _templates_digest() -> str:
    """What the templates are now: their names and bytes (about 40 small files)."""
    digest = hashlib.sha256()
    for path in _sources():
        digest.update(str(path.relative_to(TEMPLATE_DIR)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def phone_number(text: object) -> Markup:
    """A phone number in a sentence: left to right, and never broken across two lines
    (in Arabic, "+49" would otherwise end one line and the rest begin the next)."""
    return Markup('<span dir="ltr" class="phone-number">%s</span>') % text


@functools.cache
def _loader() -> BaseLoader:
    """The compiled templates when they are those of these sources, else the sources."""
    try:
        if COMPILED_STAMP.read_text(encoding="ascii") == _templates_digest():
            return ModuleLoader(str(COMPILED_DIR))
    except OSError:
        pass  # not compiled (a dev tree): Jinja compiles each template on first use
    return FileSystemLoader(TEMPLATE_DIR)


def compile_templates() -> int:
    """Compile every template for the package (`make package`); how many."""
    names = [str(path.relative_to(TEMPLATE_DIR)) for path in _sources()]
    env = _new_environment(FileSystemLoader(TEMPLATE_DIR), SOURCE_LANGUAGE)
    env.compile_templates(str(COMPILED_DIR), zip=None, ignore_errors=False,
                          filter_func=lambda name: name in names)
    COMPILED_STAMP.write_text(_templates_digest(), encoding="ascii")
    return len(names)


@functools.cache
def environment(language: str) -> Environment:
    return _new_environment(_loader(), language)


def _new_environment(loader: BaseLoader, language: str) -> Environment:
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Templates do not change inside a running container: no stat() per render.
        auto_reload=False,
    )
    env.install_gettext_translations(catalog(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["nl2br"] = nl2br
    # {% trans count=n, limit=n|number %}: the count picks the form, the number is written
    # as the language writes it (5.000 in German).
    env.filters["number"] = functools.partial(write_number, language=language)
    env.filters["ltr"] = ltr
    env.filters["phone_number"] = phone_number
    # The same for plain text (FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE), where a
    # right-to-left text needs it; left to right it adds nothing.
    rtl = LANGUAGES[language].direction == "rtl"
    env.filters["isolated"] = (lambda text: f"\u2068{text}\u2069") if rtl else str
    env.globals["LANGUAGES"] = LANGUAGES
    return env


def render(template: str, language: str, **context: object) -> str:
    return environment(language).get_template(template).render(
        lang=LANGUAGES[language], **context
    )


def translate(language: str, message: str) -> str:
    return catalog(language).gettext(message)


def translate_plural(language: str, singular: str, plural: str, count: int) -> str:
    """The form of a text that the language uses for `count` (Russian has three, Arabic six)."""
    return catalog(language).ngettext(singular, plural, count)
