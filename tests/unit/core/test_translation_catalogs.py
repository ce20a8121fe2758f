"""Every text a person reads is in every catalog, translated, with the same placeholders.

The texts are extracted from the code and templates exactly as `make extract` does
(babel.cfg), so a new string without a translation fails here, not in front of a resident.

A number in a sentence takes the plural forms of each language ("21 символ", "5 000
символов"), so it must come through ngettext: a placeholder counts as a number when it is
named like one (see NUMBER_WORDS), and a count typed into a sentence ("5,000 characters")
is refused. The words a professional review chose for each language are kept by rules.
"""

from __future__ import annotations

import gettext
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

PROJECT_DIR = Path(__file__).resolve().parents[3]
CATALOGS = sorted((PROJECT_DIR / "locale").glob("*/LC_MESSAGES/messages.po"))
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "translate": (2,)}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")

# A placeholder holds a number when it is named one of these, or ends in _<one of these>
# (retention_days): counts of days, characters, working days… take plural forms.
NUMBER_WORDS = ("count", "days", "hours", "limit", "minutes", "months", "n", "num", "number",
                "weeks")
# A count written into the text instead of a placeholder: "5,000 characters", "3 days".
TYPED_COUNT = re.compile(
    r"\b\d[\d,.]*\s+(?:working\s+)?(?:characters?|days?|hours?|minutes?|weeks?|months?"
    r"|years?|times|inquiries|emails|confirmations)\b", re.IGNORECASE)
# Placeholders that hold an organisation's name, which may end in a full stop (e.V.).
ORGANISATION_NAMES = ("organisation", "controller", "processor")


def extracted() -> list[tuple[str, str | tuple[str, ...]]]:
    """(file:line, message) of every text in the code and templates; plurals as tuples."""
    with (PROJECT_DIR / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    return [
        (f"{filename}:{lineno}", message)
        for filename, lineno, message, _, _ in extract_from_dir(
            str(PROJECT_DIR), method_map, options_map, keywords=KEYWORDS
        )
    ]


def source_texts() -> set[str]:
    return {message if isinstance(message, str) else message[0] for _, message in extracted()}


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as po:
        return read_po(po)


def translated_messages(catalog: Catalog) -> Iterator[Message]:
    """The translations in use: every form filled in, none fuzzy (compiling leaves those out)."""
    return (message for message in catalog
            if message.id and all(forms(message.string)) and not message.fuzzy)


def forms(text: object) -> tuple[str, ...]:
    """The text, or each form of a plural text."""
    return tuple(text) if isinstance(text, tuple | list) else (str(text),)


def placeholders(text: object) -> set[str]:
    return {name for form in forms(text) for name in PLACEHOLDER.findall(form)}


def is_number(placeholder: str) -> bool:
    return placeholder in NUMBER_WORDS or placeholder.endswith(
        tuple(f"_{word}" for word in NUMBER_WORDS))


def numbers_in(text: object) -> set[int]:
    # int() reads every script's digits alike: 5 and ۵ are the same number.
    return {int(digits) for form in forms(text) for digits in re.findall(r"\d+", form)}


@pytest.fixture(scope="module")
def texts() -> set[str]:
    found = source_texts()
    assert len(found) > 50, "the extraction found the texts"
    return found


def test_german_the_default_language_has_a_catalog() -> None:
    assert PROJECT_DIR / "locale" / "de" / "LC_MESSAGES" / "messages.po" in CATALOGS


@pytest.mark.parametrize("path", CATALOGS, ids=lambda path: path.parts[-3])
def test_every_text_is_translated_in_the_catalog(path: Path, texts: set[str]) -> None:
    catalog = read_catalog(path)
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
    different = [
        message.id for message in translated_messages(read_catalog(path))
        if placeholders(message.id) != placeholders(message.string)
    ]

    assert different == []


def test_a_text_with_a_number_placeholder_has_plural_forms() -> None:
    """ngettext, or {% trans count=… %}…{% pluralize %}: gettext gives one form for every n."""
    singular_only = [
        f"{where}: {message}" for where, message in extracted()
        if isinstance(message, str) and any(map(is_number, placeholders(message)))
    ]

    assert singular_only == []


def test_no_text_types_a_count_into_its_sentence() -> None:
    typed = [f"{where}: {message}" for where, message in extracted()
             if any(TYPED_COUNT.search(form) for form in forms(message))]

    assert typed == []


@pytest.mark.parametrize("path", CATALOGS, ids=lambda path: path.parts[-3])
def test_a_translation_writes_no_number_that_its_source_does_not(path: Path) -> None:
    """A limit such as 5,000 comes from its placeholder, formatted for the language."""
    invented = [
        (message.id, sorted(numbers_in(message.string) - numbers_in(message.id)))
        for message in translated_messages(read_catalog(path))
        if not numbers_in(message.string) <= numbers_in(message.id)
    ]

    assert invented == []


@pytest.mark.parametrize("path", CATALOGS, ids=lambda path: path.parts[-3])
def test_a_plural_text_has_every_form_of_its_language(path: Path) -> None:
    catalog = read_catalog(path)

    wrong_count = [
        (message.id[0], len(forms(message.string)))
        for message in translated_messages(catalog)
        if message.pluralizable and len(forms(message.string)) != catalog.num_plurals
    ]

    assert catalog.num_plurals == {"ar": 6, "uk": 3, "ru": 3}.get(path.parts[-3], 2)
    assert wrong_count == []


@pytest.mark.parametrize("path", CATALOGS, ids=lambda path: path.parts[-3])
def test_a_plural_form_that_serves_several_numbers_shows_the_number(path: Path) -> None:
    """Only a form for exactly one number may say it in words (Arabic "يوم عمل واحد").

    The Ukrainian form for 1 also serves 21 and 31; the Persian one serves 0 and 1.
    """
    catalog = read_catalog(path)
    form_of = gettext.c2py(catalog.plural_expr)
    served: dict[int, int] = {}
    for n in range(1000):
        served[form_of(n)] = served.get(form_of(n), 0) + 1

    missing: list[tuple[str, int]] = []
    for message in translated_messages(catalog):
        if not message.pluralizable:
            continue
        for index, form in enumerate(forms(message.string)):
            absent = placeholders(message.id) - placeholders(form)
            number_absent = any(map(is_number, absent))
            if (number_absent and served.get(index, 0) > 1) or not all(map(is_number, absent)):
                missing.append((message.id[0], index))

    assert missing == []


@pytest.mark.parametrize("path", CATALOGS, ids=lambda path: path.parts[-3])
def test_no_text_puts_a_full_stop_right_after_an_organisations_name(path: Path) -> None:
    """"Integration in Flensburg e.V." ends in one already: "e.V.." is a typo in front of all."""
    after_name = re.compile(rf"%\((?:{'|'.join(ORGANISATION_NAMES)})\)s\.")

    doubled = [
        message.id for message in translated_messages(read_catalog(path))
        if any(after_name.search(form)
               for form in forms(message.id) + forms(message.string))
    ]

    assert doubled == []


@dataclass(frozen=True)
class Rule:
    """A word the review chose for a language: texts whose English source matches `when`
    must contain `required` (if given) and must not contain `forbidden` (if given)."""

    language: str
    says: str
    when: str = ""
    required: str = ""
    forbidden: str = ""


RULES = [
    # The interface counts working days Monday to Friday: a Werktag includes Saturday.
    Rule("de", "working days are Arbeitstage", forbidden=r"Werktag"),
    # "von Deutsches Rotes Kreuz": a name cannot take the case a preposition or article asks.
    Rule("de", "an organisation's name stands where it needs no case ending",
         forbidden=rf"\b(?:von|vom|mit|zu|zum|zur|bei|für|an|aus|nach|der|des|dem|den)"
                   rf" %\((?:{'|'.join(ORGANISATION_NAMES)})\)s"),
    # Wegweiser ends in a front vowel: Wegweiser’i, Wegweiser’in, Wegweiser’den.
    Rule("tr", "Wegweiser takes front-vowel suffixes", forbidden=r"Wegweiser['’]\w*[ıau]"),
    # درخواست reads as an application (for asylum); the topic labels say پرسش.
    Rule("fa", "an inquiry is porsesh, never darkhast", when=r"\binquir(?:y|ies)\b",
         required="پرسش", forbidden="درخواست"),
    # In Turkish data-protection law (KVKK) the "ilgili kişi" is the data subject.
    Rule("tr", "the contact person is not the data subject", forbidden=r"(?:İ|i)lgili kişi"),
    Rule("tr", "the privacy notice has the KVKK title", when=r"^Privacy notice$",
         required="Aydınlatma Metni"),
    # Latin letters alone are no name to a reader of Arabic script.
    Rule("ar", "Wegweiser is also written in Arabic script", when="Wegweiser",
         required="فيغفايزر"),
    Rule("fa", "Wegweiser is also written in Persian script", when="Wegweiser",
         required="وگ‌وایزر"),
    Rule("ps", "Wegweiser is also written in Pashto script", when="Wegweiser",
         required="ویګوایزر"),
    # A question to an office is a pushtana; ghushtana reads as an application (for asylum).
    Rule("ps", "an inquiry is pushtana", when=r"\binquir(?:y|ies)\b", required="پوښتن"),
    # One calls "за номером 112", not "телефонуйте 112".
    Rule("uk", "a number is called za nomerom", forbidden=r"телефонуйте \d"),
    Rule("ru", "a number is called po nomeru", forbidden=r"звоните \d"),
    # The Latin letters e and a inside right-to-left text: GDPR points in the script's letters.
    Rule("fa", "a GDPR point is a Persian letter", forbidden=r"جزء [a-z]\b|\([a-z]\)"),
    Rule("ar", "a GDPR point is an Arabic letter", forbidden=r"البند [a-z]\b|\([a-z]\)"),
]


def texts_in(language: str) -> list[tuple[str, str]]:
    """(English source, text) of every text in the language: catalog and routing file."""
    catalog = read_catalog(PROJECT_DIR / "locale" / language / "LC_MESSAGES" / "messages.po")
    pairs = [
        (" ".join(forms(message.id)), text)
        for message in translated_messages(catalog)
        for text in forms(message.string)
    ]
    routing = tomllib.loads((PROJECT_DIR / "chalicelib" / "routing.toml").read_text("utf-8"))
    for topic in routing["topics"].values():
        for per_language in (value for value in topic.values() if isinstance(value, dict)):
            if language in per_language:
                pairs.append((per_language.get("en", ""), per_language[language]))
    return pairs


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: f"{rule.language}: {rule.says}")
def test_each_language_keeps_the_words_its_review_chose(rule: Rule) -> None:
    broken = [
        text for source, text in texts_in(rule.language)
        if re.search(rule.when, source)
        and ((rule.required and rule.required not in text)
             or (rule.forbidden and re.search(rule.forbidden, text)))
    ]

    assert broken == []


REVIEW_STATUS = re.compile(
    r"^# Review status: (?:reviewed by \S.*, \d{4}-\d{2}-\d{2}|reviewed: \S.*"
    r"|draft, awaiting review by a native speaker \S.*)", re.MULTILINE)


@pytest.mark.parametrize("path", CATALOGS, ids=lambda path: path.parts[-3])
def test_each_catalog_says_in_its_header_whether_a_native_speaker_reviewed_it(
    path: Path,
) -> None:
    header = path.read_text(encoding="utf-8").split('msgid ""', 1)[0]

    assert REVIEW_STATUS.search(header), "README, Translations: how a reviewer marks it"
