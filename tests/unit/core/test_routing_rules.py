"""Each rule of the routing file (routing_file.py), broken once in the bundled file's text.

Every fixture is the bundled routing.toml with one change made by text replacement,
so the problem's line number is a real line of a real file. The expected line is
found here by searching the broken text for the changed line, independently of
routing_file.line_of, and compared exactly.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable

import pytest

from chalicelib.core.languages import LANGUAGES
from chalicelib.core.loop import loop_days
from chalicelib.core.routing_file import (
    BUNDLED_ROUTING_FILE,
    Problem,
    RoutingConfigError,
    parse_routing_text,
)

BUNDLED = BUNDLED_ROUTING_FILE.read_text(encoding="utf-8")

# Absences this fixture appends come after those the bundled file may already hold.
BUNDLED_ABSENCES = len(tomllib.loads(BUNDLED).get("absences", []))
NEW_ABSENCE = f"absences[{BUNDLED_ABSENCES}]"
NEW_ABSENCE_NAME = f"absence {BUNDLED_ABSENCES + 1}"

EVERY_LANGUAGE = ", ".join(LANGUAGES)


# ---------------------------------------------------------------------- helpers


def _section(text: str, table: str) -> tuple[int, int]:
    """Where the table headed `[table]` (or `[[table]]`) begins and ends; "" is the top."""
    if not table:
        start = 0
    else:
        found = re.search(rf"^\[{re.escape(table)}\][ \t]*(#.*)?$", text, re.MULTILINE)
        assert found, f"the bundled file has no [{table}] table any more"
        start = found.start()
    following = re.search(r"^\[", text[start + 1:], re.MULTILINE)
    return start, (start + 1 + following.start()) if following else len(text)


def changed(table: str, old: str, new: str, text: str = BUNDLED) -> str:
    """`text` with `old` replaced by `new` inside `[table]`, where it must occur once."""
    start, end = _section(text, table)
    section = text[start:end]
    assert section.count(old) == 1, f"{old!r} is not once in [{table}] of the bundled file"
    return text[:start] + section.replace(old, new) + text[end:]


def appended(entries: str, text: str = BUNDLED) -> str:
    return text.rstrip("\n") + "\n\n" + entries.strip("\n") + "\n"


def line_with(text: str, fragment: str, table: str = "") -> int:
    """The 1-based number of the only line holding `fragment` (within `[table]` if given)."""
    start, end = _section(text, table) if table else (0, len(text))
    first = text[:start].count("\n") + 1
    hits = [first + n for n, line in enumerate(text[start:end].splitlines())
            if fragment in line]
    assert len(hits) == 1, f"{fragment!r} is on lines {hits}, expected one"
    return hits[0]


def refusal(text: str) -> list[Problem]:
    with pytest.raises(RoutingConfigError) as refused:
        parse_routing_text(text)
    return refused.value.problems


def problem_at(text: str, path: str) -> Problem:
    """The one problem reported for `path`."""
    problems = refusal(text)
    found = [problem for problem in problems if problem.path == path]
    assert len(found) == 1, [f"{p.path}: {p}" for p in problems]
    return found[0]


# --------------------------------------------------------------------- fixtures
# One function per rule: the bundled text with exactly one thing changed.


def an_unterminated_string() -> str:
    return changed("contacts.anna-meier", 'name = "Anna Meier"', 'name = "Anna Meier')


def a_key_given_twice() -> str:
    return changed("contacts.anna-meier", 'role = "Projektleiterin"\n',
                   'role = "Projektleiterin"\nrole = "Leiterin"\n')


def a_topic_table_given_twice() -> str:
    return appended('[topics.press]\ncontacts = ["stefan-schulz"]')


def a_misspelt_key() -> str:
    return changed("topics.work", "contacts = [", "contats = [")


def a_contact_without_email() -> str:
    return changed("contacts.andrea-becker", 'email = "presse@drk.de"\n', "")


def a_contact_of_an_unknown_organisation() -> str:
    return changed("contacts.andrea-becker", 'organisation = "drk"', 'organisation = "dkr"')


def a_topic_naming_an_unknown_contact() -> str:
    return changed("topics.press", 'contacts = ["andrea-becker"]',
                   'contacts = ["andrea-beker"]')


def a_malformed_email() -> str:
    return changed("contacts.anna-meier", 'email = "info@integration-flensburg.de"',
                   'email = "info(at)integration-flensburg.de"')


def a_missing_persian_label() -> str:
    return changed("topics.health", 'labels.fa = "خدمات درمانی"\n', "")


def a_label_in_an_unknown_language() -> str:
    return changed("topics.health", 'labels.tr = "Sağlık hizmetleri"\n',
                   'labels.tr = "Sağlık hizmetleri"\nlabels.fr = "Santé"\n')


def an_unknown_staff_language() -> str:
    return changed("contacts.andrea-becker", 'staff_language = "de"', 'staff_language = "dk"')


def an_unknown_spoken_language() -> str:
    return changed("contacts.andrea-becker", 'languages = ["de", "en"]',
                   'languages = ["de", "en", "xx"]')


def a_deputy_absent_with_the_contacts() -> str:
    # andrea-becker is the only contact of health; its deputy anna-meier is away too.
    return appended("""
[[absences]]
contact = "andrea-becker"
first_day = 2030-07-01
last_day = 2030-07-19

[[absences]]
contact = "anna-meier"
first_day = 2030-07-15
last_day = 2030-08-02
""")


def an_absence_that_ends_before_it_starts() -> str:
    return appended("""
[[absences]]
contact = "stefan-schulz"
first_day = 2030-07-15
last_day = 2030-07-01
""")


def an_absence_longer_than_a_year() -> str:
    return appended("""
[[absences]]
contact = "stefan-schulz"
first_day = 2030-01-01
last_day = 2031-12-31
""")


def an_absence_of_an_unknown_contact() -> str:
    return appended("""
[[absences]]
contact = "stefan-schultz"
first_day = 2030-07-01
last_day = 2030-07-19
""")


def a_topic_nobody_can_receive() -> str:
    away = appended("""
[[absences]]
contact = "andrea-becker"
first_day = 2030-07-01
last_day = 2030-07-19
""")
    return changed("topics.health", 'deputy = "anna-meier"\n', "", away)


def a_fallback_that_is_no_topic() -> str:
    return changed("", 'fallback_topic = "other"', 'fallback_topic = "others"')


def no_fallback() -> str:
    return changed("", 'fallback_topic = "other"\n', "")


def a_retention_beyond_two_years() -> str:
    return changed("topics.health", "retention_days = 90", "retention_days = 1000")


def a_deputy_who_is_a_contact_of_the_topic() -> str:
    return changed("topics.health", 'deputy = "anna-meier"', 'deputy = "andrea-becker"')


def a_day_in_quotes() -> str:
    return appended("""
[[absences]]
contact = "stefan-schulz"
first_day = "2030-07-01"
last_day = 2030-07-19
""")


def a_response_time_of_no_days() -> str:
    return changed("topics.health", "response_days = 3", "response_days = 0")


def a_malformed_cc_address() -> str:
    return changed("topics.health", "response_days = 3",
                   'response_days = 3\ncc = ["gesundheit(at)drk.de"]')


def a_privacy_controller_that_is_no_organisation() -> str:
    return changed("privacy", 'controller = "stadt"', 'controller = "city"')


def a_topic_without_contacts() -> str:
    return changed("topics.press", 'contacts = ["andrea-becker"]', "contacts = []")


# ------------------------------------------------------------ the bundled file


def test_the_bundled_config_checks_clean() -> None:
    config = parse_routing_text(BUNDLED)

    assert config.topics
    assert config.fallback_topic in config.topics


def test_every_fixture_is_the_bundled_text_with_one_small_change() -> None:
    for fixture in FIXTURES:
        text = fixture()
        assert text != BUNDLED, fixture.__name__
        assert abs(len(text.splitlines()) - len(BUNDLED.splitlines())) <= 16, fixture.__name__


# -------------------------------------------------------------- one rule each


def test_invalid_toml_syntax_is_reported_on_the_line_of_the_unterminated_string() -> None:
    text = an_unterminated_string()
    line = line_with(text, 'name = "Anna Meier', "contacts.anna-meier")

    [problem] = refusal(text)

    assert problem.text.startswith("routing.toml: not valid TOML: Illegal character")
    assert f"(at line {line}," in problem.text
    assert problem.hint == "check quotes, brackets and '=' on that line"
    assert problem.line == line
    assert problem.path == "", "the file as a whole"


def test_a_key_given_twice_is_reported_on_its_second_line() -> None:
    text = a_key_given_twice()
    line = line_with(text, 'role = "Leiterin"')

    [problem] = refusal(text)

    assert problem.text.startswith("routing.toml: not valid TOML: Cannot overwrite a value")
    assert problem.hint == "a key given twice?"
    assert problem.line == line


def test_a_topic_table_given_twice_is_reported_on_its_second_header() -> None:
    text = a_topic_table_given_twice()
    second_header = [n for n, line in enumerate(text.splitlines(), 1)
                     if line == "[topics.press]"][1]

    [problem] = refusal(text)

    assert problem.text.startswith(
        "routing.toml: not valid TOML: Cannot declare ('topics', 'press') twice")
    assert problem.hint == "a table given twice?"
    assert problem.line == second_header


def test_a_misspelt_key_is_reported_on_its_line_with_a_did_you_mean_hint() -> None:
    text = a_misspelt_key()

    problem = problem_at(text, "topics.work.contats")

    assert problem.text == "topics.work: unknown key 'contats'"
    assert problem.hint == "did you mean 'contacts'?"
    assert problem.line == line_with(text, "contats = [")


def test_a_missing_required_key_is_reported_on_the_header_of_its_table() -> None:
    text = a_contact_without_email()

    problem = problem_at(text, "contacts.andrea-becker")

    assert problem.text == "contacts.andrea-becker: missing 'email'"
    assert problem.line == line_with(text, "[contacts.andrea-becker]")


def test_a_contact_of_an_organisation_that_does_not_exist_is_reported_on_its_line() -> None:
    text = a_contact_of_an_unknown_organisation()

    problem = problem_at(text, "contacts.andrea-becker.organisation")

    assert problem.text == "contacts.andrea-becker.organisation: no organisation 'dkr'"
    assert problem.hint == "did you mean 'drk'?"
    assert problem.line == line_with(text, 'organisation = "dkr"')


def test_a_topic_naming_a_contact_that_does_not_exist_is_reported_on_its_contacts_line() -> None:
    text = a_topic_naming_an_unknown_contact()

    problem = problem_at(text, "topics.press.contacts")

    assert problem.text == "topics.press.contacts: no contact 'andrea-beker'"
    assert problem.hint == "did you mean 'andrea-becker'?"
    assert problem.line == line_with(text, 'contacts = ["andrea-beker"]')


def test_a_topic_without_contacts_is_reported_on_its_contacts_line() -> None:
    text = a_topic_without_contacts()

    problem = problem_at(text, "topics.press.contacts")

    assert problem.text == "topics.press.contacts: a list of at least one contact key"
    assert problem.line == line_with(text, "contacts = []")


def test_a_malformed_email_is_reported_on_its_line() -> None:
    text = a_malformed_email()

    problem = problem_at(text, "contacts.anna-meier.email")

    assert problem.text == ("contacts.anna-meier.email: 'info(at)integration-flensburg.de' "
                            "is not a valid address (An email address must have an @-sign.)")
    assert problem.hint == "only the address, like name@example.org"
    assert problem.line == line_with(text, 'email = "info(at)')


def test_a_missing_label_is_reported_on_the_first_label_line_of_its_topic() -> None:
    text = a_missing_persian_label()
    first_label = min(n for n, line in enumerate(text.splitlines(), 1)
                      if line.startswith("labels.")
                      and n > line_with(text, "[topics.health]"))

    problem = problem_at(text, "topics.health.labels.fa")

    assert problem.text == "topics.health.labels.fa: missing label"
    assert problem.hint == f"every language of the form needs one: {EVERY_LANGUAGE}"
    assert problem.line == first_label


def test_a_label_in_a_language_the_form_does_not_have_is_reported_on_its_line() -> None:
    text = a_label_in_an_unknown_language()

    problem = problem_at(text, "topics.health.labels.fr")

    assert problem.text == "topics.health.labels.fr: unknown language"
    assert problem.line == line_with(text, 'labels.fr = "Santé"')


def test_an_unknown_staff_language_is_reported_on_its_line_with_the_known_codes() -> None:
    text = an_unknown_staff_language()

    problem = problem_at(text, "contacts.andrea-becker.staff_language")

    assert problem.text == "contacts.andrea-becker.staff_language: unknown language 'dk'"
    assert problem.hint == f"one of {EVERY_LANGUAGE}"
    assert problem.line == line_with(text, 'staff_language = "dk"')


def test_an_unknown_spoken_language_is_reported_on_the_languages_line() -> None:
    text = an_unknown_spoken_language()

    problem = problem_at(text, "contacts.andrea-becker.languages")

    assert problem.text == "contacts.andrea-becker.languages: unknown language 'xx'"
    assert problem.line == line_with(text, '"xx"]')


def test_a_deputy_absent_while_every_contact_is_is_reported_on_the_deputy_line() -> None:
    text = a_deputy_absent_with_the_contacts()

    problem = problem_at(text, "topics.health.deputy")

    assert problem.text == ("topics.health.deputy: anna-meier is absent on 2030-07-15 too, "
                            "when every contact of the topic is")
    assert problem.hint == "choose another deputy or move an absence"
    assert problem.line == line_with(text, "deputy =", "topics.health")


def test_an_absence_that_ends_before_it_starts_is_reported_on_its_last_day_line() -> None:
    text = an_absence_that_ends_before_it_starts()

    problem = problem_at(text, f"{NEW_ABSENCE}.last_day")

    assert problem.text == f"{NEW_ABSENCE_NAME}: it ends (2030-07-01) before it starts (2030-07-15)"
    assert problem.hint == "swap the two days?"
    assert problem.line == line_with(text, "last_day = 2030-07-01")


def test_an_absence_longer_than_a_year_is_reported_on_its_last_day_line() -> None:
    text = an_absence_longer_than_a_year()

    problem = problem_at(text, f"{NEW_ABSENCE}.last_day")

    assert problem.text == f"{NEW_ABSENCE_NAME}: longer than a year"
    assert problem.line == line_with(text, "last_day = 2031-12-31")


def test_an_absence_of_a_contact_that_does_not_exist_is_reported_on_its_contact_line() -> None:
    text = an_absence_of_an_unknown_contact()

    problem = problem_at(text, f"{NEW_ABSENCE}.contact")

    assert problem.text == f"{NEW_ABSENCE}.contact: no contact 'stefan-schultz'"
    assert problem.hint == "did you mean 'stefan-schulz'?"
    assert problem.line == line_with(text, 'contact = "stefan-schultz"')


def test_a_topic_nobody_can_receive_on_a_day_is_reported_on_its_header() -> None:
    text = a_topic_nobody_can_receive()

    problem = problem_at(text, "topics.health")

    assert problem.text == ("topics.health: nobody can receive it on 2030-07-01: every "
                            "contact is absent and there is no deputy")
    assert problem.hint == 'add deputy = "<contact key>" to the topic'
    assert problem.line == line_with(text, "[topics.health]")


def test_a_fallback_that_is_not_a_topic_is_reported_on_its_line() -> None:
    text = a_fallback_that_is_no_topic()

    problem = problem_at(text, "fallback_topic")

    assert problem.text == "fallback_topic: 'others' is not a topic of this file"
    assert problem.hint == "did you mean 'other'?"
    assert problem.line == line_with(text, 'fallback_topic = "others"')


def test_a_file_without_a_fallback_is_reported_for_the_whole_file() -> None:
    problems = refusal(no_fallback())

    assert any(p.text == "the file: missing 'fallback_topic'" and p.line is None
               for p in problems), problems


def test_a_retention_beyond_730_days_is_reported_on_its_line() -> None:
    text = a_retention_beyond_two_years()

    problem = problem_at(text, "topics.health.retention_days")

    assert problem.text == ("topics.health.retention_days: 1000 is not a whole number "
                            "of days from 7 to 730")
    assert problem.line == line_with(text, "retention_days = 1000")


@pytest.mark.parametrize("days", [6, 731, -1])
def test_a_retention_just_outside_7_to_730_days_is_refused(days: int) -> None:
    text = changed("topics.health", "retention_days = 90", f"retention_days = {days}")

    problem = problem_at(text, "topics.health.retention_days")

    assert problem.text.startswith(f"topics.health.retention_days: {days} is not")


@pytest.mark.parametrize("days", [loop_days(3), 730])  # health answers within 3 working days
def test_a_retention_as_long_as_the_loop_or_of_730_days_is_accepted(days: int) -> None:
    text = changed("topics.health", "retention_days = 90", f"retention_days = {days}")

    assert parse_routing_text(text).topics["health"].retention_days == days


def test_a_retention_that_ends_before_the_loop_can_is_refused_with_the_days_it_needs() -> None:
    text = changed("topics.health", "retention_days = 90", "retention_days = 20")

    problem = problem_at(text, "topics.health.retention_days")

    assert loop_days(3) == 27, "13 calendar days for 5 working days at worst, then 14"
    assert problem.text == (
        "topics.health.retention_days: 20 days end before the inquiry's loop can (27 days: "
        "the answer within 3 working days, the follow-up 2 working days later, then 14 "
        "days for the resident's answer)")
    assert problem.hint == "at least 27; the personal data goes when the loop closes anyway"
    assert problem.line == line_with(text, "retention_days = 20")


def test_a_deputy_who_is_a_contact_of_the_topic_is_reported_on_the_deputy_line() -> None:
    text = a_deputy_who_is_a_contact_of_the_topic()

    problem = problem_at(text, "topics.health.deputy")

    assert problem.text == ("topics.health.deputy: andrea-becker is already a contact "
                            "of this topic")
    assert problem.hint == "a deputy stands in for the contacts: choose someone else"
    assert problem.line == line_with(text, 'deputy = "andrea-becker"')


def test_a_day_in_quotes_is_reported_as_not_a_date_on_its_line() -> None:
    text = a_day_in_quotes()

    problem = problem_at(text, f"{NEW_ABSENCE}.first_day")

    assert problem.text == f"{NEW_ABSENCE_NAME}: first_day '2030-07-01' is not a date"
    assert problem.hint == "write it as 2026-12-24, without quotes"
    assert problem.line == line_with(text, 'first_day = "2030-07-01"')


def test_a_response_time_of_no_days_is_reported_on_its_line() -> None:
    text = a_response_time_of_no_days()

    problem = problem_at(text, "topics.health.response_days")

    assert problem.text == ("topics.health.response_days: 0 is not a whole number "
                            "of days from 1 to 30")
    assert problem.line == line_with(text, "response_days = 0")


@pytest.mark.parametrize("days", ["31", "2.5", '"3"', "true"])
def test_a_response_time_that_is_no_number_of_days_from_1_to_30_is_refused(days: str) -> None:
    text = changed("topics.health", "response_days = 3", f"response_days = {days}")

    problem = problem_at(text, "topics.health.response_days")

    assert problem.line == line_with(text, f"response_days = {days}")


def test_a_malformed_cc_address_is_reported_on_the_cc_line() -> None:
    text = a_malformed_cc_address()

    problem = problem_at(text, "topics.health.cc")

    assert problem.text == ("topics.health.cc: 'gesundheit(at)drk.de' is not a valid address "
                            "(An email address must have an @-sign.)")
    assert problem.line == line_with(text, "cc = [")


def test_a_privacy_controller_that_is_no_organisation_is_reported_on_its_line() -> None:
    text = a_privacy_controller_that_is_no_organisation()

    problem = problem_at(text, "privacy.controller")

    assert problem.text == "privacy.controller: no organisation 'city'"
    assert problem.line == line_with(text, 'controller = "city"')


# ------------------------------------------------------------------ edge cases


def test_a_day_with_a_time_is_reported_as_not_a_date() -> None:
    text = appended("""
[[absences]]
contact = "stefan-schulz"
first_day = 2030-07-01
last_day = 2030-07-19T18:00:00
""")

    problem = problem_at(text, f"{NEW_ABSENCE}.last_day")

    assert "is not a date" in problem.text


def test_an_absence_header_with_a_comment_still_gives_the_right_line() -> None:
    text = appended("""
[[absences]]  # summer
contact = "stefan-schulz"
first_day = 2030-07-15
last_day = 2030-07-01

[[absences]]
contact = "anna-meier"
first_day = 2030-08-01
last_day = 2030-08-14
""")

    problem = problem_at(text, f"{NEW_ABSENCE}.last_day")

    assert problem.line == line_with(text, "last_day = 2030-07-01")


# ---------------------------------------------------------------- the summary

FIXTURES: list[Callable[[], str]] = [
    an_unterminated_string,
    a_key_given_twice,
    a_topic_table_given_twice,
    a_misspelt_key,
    a_contact_without_email,
    a_contact_of_an_unknown_organisation,
    a_topic_naming_an_unknown_contact,
    a_topic_without_contacts,
    a_malformed_email,
    a_missing_persian_label,
    a_label_in_an_unknown_language,
    an_unknown_staff_language,
    an_unknown_spoken_language,
    a_deputy_absent_with_the_contacts,
    an_absence_that_ends_before_it_starts,
    an_absence_longer_than_a_year,
    an_absence_of_an_unknown_contact,
    a_topic_nobody_can_receive,
    a_fallback_that_is_no_topic,
    no_fallback,
    a_retention_beyond_two_years,
    a_deputy_who_is_a_contact_of_the_topic,
    a_day_in_quotes,
    a_response_time_of_no_days,
    a_malformed_cc_address,
    a_privacy_controller_that_is_no_organisation,
]


def kind(problem: Problem) -> str:
    """What kind of mistake a problem reports: its text without key path, values and days."""
    toml = "routing.toml: not valid TOML: "
    if problem.text.startswith(toml):
        text = "TOML: " + problem.text.removeprefix(toml)
    else:
        text = re.sub(r"^(the file|absence \d+|[\w.\-\[\]]+): ", "", problem.text)
    text = re.sub(r"\(at line \d+, column \d+\)", "", text)
    text = re.sub(r"\([^()]*\)", "(…)", text)  # a quoted day or the email checker's reason
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", text)
    text = re.sub(r"\d{4}-\d\d-\d\d", "DAY", text)
    text = re.sub(r"^[\w-]+ is (absent|already)", r"X is \1", text)  # a contact key
    return re.sub(r"-?\d+", "N", text).strip()


def test_the_fixtures_report_at_least_twelve_distinct_kinds_of_mistake() -> None:
    kinds: dict[str, str] = {}
    for fixture in FIXTURES:
        problems = refusal(fixture())
        assert problems, fixture.__name__
        for problem in problems:
            kinds.setdefault(kind(problem), fixture.__name__)

    assert len(kinds) >= 12, sorted(kinds)
    # Each rule this file tests by name shows up as its own kind.
    for expected in (
        "TOML: Illegal character",
        "TOML: Cannot overwrite a value",
        "unknown key '…'",
        "missing '…'",
        "no organisation '…'",
        "no contact '…'",
        "'…' is not a valid address (…)",
        "missing label",
        "unknown language '…'",
        "X is absent on DAY too, when every contact of the topic is",
        "it ends (…) before it starts (…)",
        "nobody can receive it on DAY: every contact is absent and there is no deputy",
        "'…' is not a topic of this file",
        "N is not a whole number of days from N to N",
        "X is already a contact of this topic",
        "first_day '…' is not a date",
    ):
        assert any(k.startswith(expected) for k in kinds), (expected, sorted(kinds))
