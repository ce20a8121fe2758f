"""The rarer mistakes in a routing file (routing_file.py), each in a small file of its own.

test_routing_rules.py breaks the bundled file once per common mistake. Here a
small clinic's file is broken in the ways an admin meets less often: a table where
a list belongs, a text where a table belongs, a key given in the short TOML forms.
Each problem is compared whole: the key it names (which gives its line), its text
and its hint, as `wegweiser check` shows them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from chalicelib.core.languages import LANGUAGES
from chalicelib.core.routing import RoutingConfig
from chalicelib.core.routing_file import (
    Problem,
    RoutingConfigError,
    load_routing,
    parse_routing_text,
)
from tests.unit.core.clinic_routing import LABELS

FALLBACK = 'fallback_topic = "health"\n'
PRIVACY = """
[privacy]
controller = "clinic"
legal_entity = "Klinik am Hafen gGmbH"
address = "Hafendamm 1, 24937 Flensburg"
email = "privacy@example.org"
dpo_address = "Postfach 12, 24901 Flensburg"
dpo_email = "dpo@example.org"
legal_basis = "§ 3 LDSG"
"""
ACCESSIBILITY = """
[accessibility]
compliance = "partial"
law = "BITV 2.0"
prepared_on = 2026-12-01
feedback_email = "access@example.org"
enforcement_body = "Beschwerdestelle"
enforcement_address = "Karolinenweg 1, 24105 Kiel"
"""
ORGANISATIONS = """
[organisations.clinic]
name = "Klinik am Hafen"
"""
FIRST = """
[contacts.first]
name = "Frida First"
email = "first@example.org"
organisation = "clinic"
staff_language = "de"
languages = ["de"]
"""
SECOND = """
[contacts.second]
name = "Samir Second"
email = "second@example.org"
organisation = "clinic"
staff_language = "ar"
languages = ["de", "ar"]
"""
HEALTH = f"""
[topics.health]
contacts = ["first"]
deputy = "second"
{LABELS}
"""
EVERY_LANGUAGE = "de, en, ar, uk, ru, fa, tr, ps, kmr"
TEXT_NEEDED = 'for example "Anna Meier"'

Found = tuple[str, str, str]  # a problem's key path, text and hint


def clinic(*, fallback: str = FALLBACK, privacy: str = PRIVACY,
           organisations: str = ORGANISATIONS, first: str = FIRST, second: str = SECOND,
           topics: str = HEALTH, more: str = "") -> str:
    """The clinic's routing file, with any part of it replaced."""
    return (fallback + privacy + ACCESSIBILITY + organisations + first + second + topics
            + more)


def refusal(text: str) -> list[Problem]:
    with pytest.raises(RoutingConfigError) as refused:
        parse_routing_text(text)
    return refused.value.problems


def problems(text: str) -> list[Found]:
    return [(p.path, p.text, p.hint) for p in refusal(text)]


def line_with(text: str, fragment: str) -> int:
    [line] = [n for n, content in enumerate(text.splitlines(), 1) if fragment in content]
    return line


def accepted(text: str) -> RoutingConfig:
    return parse_routing_text(text)


def test_the_clinics_file_is_accepted() -> None:
    config = accepted(clinic())

    assert list(config.contacts) == ["first", "second"]
    assert config.topics["health"].deputy == config.contacts["second"]


# ----------------------------------------------------------- how problems read


@pytest.mark.parametrize(("problem", "in_file", "alone"), [
    pytest.param(Problem("topics.x", "topics.x: missing 'labels'", line=7),
                 "routing.toml:7: topics.x: missing 'labels'",
                 "line 7: topics.x: missing 'labels'", id="a-line-no-hint"),
    pytest.param(Problem("fallback_topic", "fallback_topic: 'x' is not a topic",
                         "did you mean 'other'?"),
                 "routing.toml: fallback_topic: 'x' is not a topic (did you mean 'other'?)",
                 "fallback_topic: 'x' is not a topic (did you mean 'other'?)",
                 id="a-hint-no-line"),
])
def test_a_problem_reads_as_a_compiler_writes_it(problem: Problem, in_file: str,
                                                  alone: str) -> None:
    assert problem.located("routing.toml") == in_file
    assert str(problem) == alone


def test_the_refusal_lists_every_problem_on_a_line_of_its_own() -> None:
    error = RoutingConfigError([Problem("a", "a: wrong", line=3), Problem("b", "b: wrong", "h")])

    assert str(error) == "invalid routing config:\n- line 3: a: wrong\n- b: wrong (h)"


def test_a_broken_file_is_named_by_its_own_name(tmp_path: Path) -> None:
    path = tmp_path / "staging.toml"
    path.write_text('fallback_topic = "health', encoding="utf-8")

    with pytest.raises(RoutingConfigError) as refused:
        load_routing(path)

    [problem] = refused.value.problems
    assert problem.text.startswith("staging.toml: not valid TOML: ")


def test_a_file_that_ends_in_the_middle_of_a_value_is_refused_for_the_whole_file() -> None:
    [problem] = refusal("fallback_topic = ")

    assert (problem.path, problem.line) == ("", None)
    assert problem.text == "routing.toml: not valid TOML: Invalid value (at end of document)"
    assert problem.hint == "check quotes, brackets and '=' on that line"


def test_a_problem_on_the_first_line_of_the_file_is_reported_on_line_one() -> None:
    text = clinic(fallback='fallback_topic = "nothing"\n')

    [problem] = refusal(text)

    assert problem.located("routing.toml") == (
        "routing.toml:1: fallback_topic: 'nothing' is not a topic of this file")


def test_a_table_header_with_a_comment_still_gives_the_line_of_its_problem() -> None:
    text = clinic(second=SECOND.replace("[contacts.second]", "[contacts.second]  # reads Arabic")
                  .replace('email = "second@example.org"\n', ""))

    [problem] = [p for p in refusal(text) if p.path == "contacts.second"]

    assert problem.text == "contacts.second: missing 'email'"
    assert problem.line == line_with(text, "[contacts.second]")


# ------------------------------------------------- reminders and escalations


def test_without_its_settings_a_file_reminds_after_one_working_day_and_escalates_to_nobody(
) -> None:
    config = accepted(clinic())

    assert (config.remind_after_days, config.escalation_contact) == (1, None)


def test_the_reminder_and_the_escalation_contact_are_read_from_the_top_of_the_file() -> None:
    config = accepted(clinic(
        fallback=FALLBACK + 'remind_after_days = 2\nescalation_contact = "second"\n'))

    assert config.remind_after_days == 2
    assert config.escalation_contact == config.contacts["second"]


def test_an_escalation_contact_who_is_no_contact_is_named_with_its_line_and_a_hint() -> None:
    text = clinic(fallback=FALLBACK + 'escalation_contact = "secnod"\n')

    [problem] = refusal(text)

    assert (problem.path, problem.text, problem.hint) == (
        "escalation_contact", "escalation_contact: no contact 'secnod'",
        "did you mean 'second'?")
    assert problem.line == line_with(text, "escalation_contact") == 2


@pytest.mark.parametrize(("days", "shown"), [
    ("0", "0"), ("31", "31"), ("1.5", "1.5"), ('"1"', "'1'"), ("true", "True")])
def test_a_reminder_not_after_1_to_30_working_days_is_refused_with_its_line(
    days: str, shown: str
) -> None:
    text = clinic(fallback=f"remind_after_days = {days}\n" + FALLBACK)

    [problem] = refusal(text)

    assert problem.text == (
        f"remind_after_days: {shown} is not a whole number of days from 1 to 30")
    assert problem.line == 1


# ------------------------------------------------------------- the file itself


def test_an_unknown_top_level_key_is_named_with_the_key_it_resembles() -> None:
    assert problems(clinic(fallback=FALLBACK + 'fallback = "health"\n')) == [
        ("fallback", "the file: unknown key 'fallback'", "did you mean 'fallback_topic'?")]


def test_an_unknown_key_that_resembles_nothing_gets_no_hint() -> None:
    assert problems(clinic(fallback=FALLBACK + "colour = 1\n")) == [
        ("colour", "the file: unknown key 'colour'", "")]


def test_a_fallback_given_as_a_list_is_refused_without_a_hint() -> None:
    assert problems(clinic(fallback='fallback_topic = ["health"]\n')) == [
        ("fallback_topic", "fallback_topic: ['health'] is not a topic of this file", "")]


def test_a_file_without_topics_needs_at_least_one() -> None:
    found = problems(clinic(topics=""))

    assert ("", "the file: missing 'topics'", "") in found
    assert ("topics", "topics: at least one [topics.<key>] table is needed", "") in found


# ------------------------------------------------------------------- privacy


def test_a_file_without_privacy_is_told_what_the_privacy_table_needs() -> None:
    text = clinic(privacy="")

    assert problems(text) == [("", "the file: missing 'privacy'", "")]
    assert [p.line for p in refusal(text)] == [None], "no line holds what is missing"


def test_a_privacy_given_as_a_text_must_be_a_table() -> None:
    text = clinic(fallback=FALLBACK + 'privacy = "Klinik am Hafen"\n', privacy="")

    [problem] = refusal(text)

    assert (problem.path, problem.text, problem.hint) == (
        "privacy", "privacy: must be a table", "")
    assert problem.line == line_with(text, "privacy =")


def test_a_privacy_without_an_address_is_reported_on_its_header() -> None:
    text = clinic(privacy=PRIVACY.replace('address = "Hafendamm 1, 24937 Flensburg"\n', ""))

    [problem] = refusal(text)

    assert (problem.path, problem.text) == ("privacy", "privacy: missing 'address'")
    assert problem.line == line_with(text, "[privacy]")


@pytest.mark.parametrize(("old", "new", "found"), [
    pytest.param('controller = "clinic"', 'controller = "clinik"',
                 ("privacy.controller", "privacy.controller: no organisation 'clinik'",
                  "did you mean 'clinic'?"), id="unknown-controller"),
    pytest.param('address = "Hafendamm 1, 24937 Flensburg"', 'address = " "',
                 ("privacy.address", "privacy.address: a text in quotes is needed",
                  TEXT_NEEDED), id="blank-address"),
    pytest.param('email = "privacy@example.org"', 'email = "privacy(at)example.org"',
                 ("privacy.email", "privacy.email: 'privacy(at)example.org' is not a valid "
                  "address (An email address must have an @-sign.)",
                  "only the address, like name@example.org"), id="malformed-email"),
])
def test_a_broken_privacy_entry_is_named_by_its_key(old: str, new: str, found: Found) -> None:
    assert found in problems(clinic(privacy=PRIVACY.replace(old, new)))


# ------------------------------------------------------------- organisations


def test_an_organisation_given_as_a_text_must_be_a_table() -> None:
    text = clinic(organisations='\n[organisations]\ndrk = "Deutsches Rotes Kreuz"\n'
                  + ORGANISATIONS)

    assert problems(text) == [("organisations.drk", "organisations.drk: must be a table", "")]


@pytest.mark.parametrize("name", [pytest.param('" "', id="blank"), pytest.param("42", id="number")])
def test_an_organisation_name_must_be_a_text(name: str) -> None:
    text = clinic(organisations=ORGANISATIONS.replace('"Klinik am Hafen"', name))

    assert ("organisations.clinic.name", "organisations.clinic.name: a text in quotes is needed",
            TEXT_NEEDED) in problems(text)


def test_an_organisation_without_a_name_is_reported_on_its_header() -> None:
    text = clinic(organisations=ORGANISATIONS.replace('name = "Klinik am Hafen"\n', ""))

    assert ("organisations.clinic", "organisations.clinic: missing 'name'", "") in problems(text)


# ------------------------------------------------------------------ contacts


def test_a_contact_without_a_role_has_none() -> None:
    assert all(contact.role == "" for contact in accepted(clinic()).contacts.values())


def test_a_contact_with_a_role_keeps_it() -> None:
    text = clinic(first=FIRST + 'role = "Pflegeberatung"\n')

    assert accepted(text).contacts["first"].role == "Pflegeberatung"


def test_a_contact_name_given_as_a_number_must_be_a_text() -> None:
    text = clinic(first=FIRST.replace('"Frida First"', "42"))

    assert problems(text) == [
        ("contacts.first.name", "contacts.first.name: a text in quotes is needed", TEXT_NEEDED)]


def test_an_organisation_given_as_a_list_is_no_organisation() -> None:
    text = clinic(first=FIRST.replace('organisation = "clinic"', 'organisation = ["clinic"]'))

    assert problems(text) == [("contacts.first.organisation",
                               "contacts.first.organisation: no organisation ['clinic']", "")]


def test_a_contact_who_speaks_no_language_is_asked_for_a_list_of_codes() -> None:
    text = clinic(first=FIRST.replace('languages = ["de"]', "languages = []"))

    assert problems(text) == [("contacts.first.languages",
                               'contacts.first.languages: a list of language codes, such as ["de"]',
                               "")]


def test_a_broken_contact_does_not_hide_the_contacts_after_it() -> None:
    text = clinic(first=FIRST.replace('email = "first@example.org"\n', ""))

    found = problems(text)

    assert ("contacts.first", "contacts.first: missing 'email'", "") in found
    assert not any("second" in problem for _, problem, _ in found), found


# -------------------------------------------------------------------- topics


def test_labels_given_as_a_text_must_be_a_table_of_texts_by_language() -> None:
    text = clinic(topics=HEALTH.replace(LABELS, 'labels = "Gesundheit"'))

    assert problems(text) == [("topics.health.labels",
                               "topics.health.labels: a table of texts by language",
                               'like de = "…"')]


def test_a_label_in_a_misspelt_language_is_named_with_the_language_it_resembles() -> None:
    text = clinic(topics=HEALTH.replace(' }', ', eng = "Health" }'))

    assert problems(text) == [("topics.health.labels.eng",
                               "topics.health.labels.eng: unknown language",
                               "did you mean 'en'?")]


def test_an_unknown_deputy_is_named_with_the_contact_it_resembles() -> None:
    text = clinic(topics=HEALTH.replace('deputy = "second"', 'deputy = "secnd"'))

    assert problems(text) == [("topics.health.deputy", "topics.health.deputy: no contact 'secnd'",
                               "did you mean 'second'?")]


def test_a_broken_topic_does_not_hide_the_topics_after_it() -> None:
    broken = '\n[topics.work]\ncontacts = ["first"]\n'

    assert problems(clinic(topics=broken + HEALTH)) == [
        ("topics.work", "topics.work: missing 'labels'", "")]


def test_a_single_copy_address_may_be_given_without_a_list() -> None:
    text = clinic(topics=HEALTH + 'cc = "team@example.org"\n')

    assert accepted(text).topics["health"].cc == ("team@example.org",)


def test_copy_addresses_are_kept_in_their_order() -> None:
    text = clinic(topics=HEALTH + 'cc = ["team@example.org", "archiv@example.org"]\n')

    assert accepted(text).topics["health"].cc == ("team@example.org", "archiv@example.org")


NEXT_STEPS = LABELS.replace("labels", "next_steps")
URGENT = LABELS.replace("labels", "urgent_hint")


def test_next_steps_and_an_urgent_hint_are_read_in_every_language() -> None:
    text = clinic(topics=HEALTH + NEXT_STEPS + "\n" + URGENT + "\n")

    health = accepted(text).topics["health"]

    assert health.next_steps is not None
    assert health.urgent_hint is not None
    assert health.next_steps["de"] == "Gesundheit"
    assert health.urgent_hint["ar"] == "الصحة"
    assert len(health.next_steps) == len(health.urgent_hint) == len(LANGUAGES)


def test_without_next_steps_and_urgent_hint_a_topic_has_neither() -> None:
    health = accepted(clinic()).topics["health"]

    assert (health.next_steps, health.urgent_hint) == (None, None)


@pytest.mark.parametrize("key", ["next_steps", "urgent_hint"])
def test_next_steps_or_an_urgent_hint_missing_a_language_are_named_by_key(key: str) -> None:
    texts = LABELS.replace("labels", key).replace('fa = "سلامت", ', "")
    text = clinic(topics=HEALTH + texts + "\n")

    assert problems(text) == [(f"topics.health.{key}.fa", f"topics.health.{key}.fa: missing label",
                               f"every language of the form needs one: {EVERY_LANGUAGE}")]


def test_next_steps_given_as_a_text_must_be_a_table_of_texts_by_language() -> None:
    text = clinic(topics=HEALTH + 'next_steps = "Wir rufen an."\n')

    assert problems(text) == [("topics.health.next_steps",
                               "topics.health.next_steps: a table of texts by language",
                               'like de = "…"')]


# ------------------------------------------------------------------ absences


def absence(contact: str, first_day: str, last_day: str, extra: str = "") -> str:
    return (f'\n[[absences]]\ncontact = "{contact}"\nfirst_day = {first_day}\n'
            f"last_day = {last_day}\n{extra}")


def test_an_absence_with_a_note_is_accepted() -> None:
    text = clinic(more=absence("first", "2030-07-01", "2030-07-19", 'note = "Kur"\n'))

    assert [a.contact for a in accepted(text).absences] == ["first"]


def test_an_absence_of_one_day_is_accepted() -> None:
    text = clinic(more=absence("first", "2030-07-01", "2030-07-01"))

    [away] = accepted(text).absences
    assert (away.first_day, away.last_day) == (date(2030, 7, 1), date(2030, 7, 1))


def test_an_absence_of_366_days_is_accepted_and_one_day_more_is_not() -> None:
    assert accepted(clinic(more=absence("first", "2030-01-01", "2031-01-02"))).absences
    assert problems(clinic(more=absence("first", "2030-01-01", "2031-01-03"))) == [
        ("absences[0].last_day", "absence 1: longer than a year",
         "remove the contact from its topics instead")]


def test_absences_given_as_a_single_table_must_each_be_an_absences_table() -> None:
    text = clinic(fallback=FALLBACK + 'absences = { contact = "first" }\n')

    assert problems(text) == [("absences", "absences: each absence is an [[absences]] table", "")]


def test_an_absence_that_is_not_a_table_is_reported_not_silently_skipped() -> None:
    text = clinic(fallback=FALLBACK + 'absences = ["first"]\n')

    assert problems(text) == [("absences[0]", "absence 1: 'first' is not an [[absences]] table",
                               "contact, first_day and last_day, each on a line of its own")]


def test_an_absence_without_its_last_day_is_reported_on_its_header() -> None:
    text = clinic(more=absence("first", "2030-07-01", "2030-07-19").replace(
        "last_day = 2030-07-19\n", ""))

    [problem] = refusal(text)

    assert (problem.path, problem.text) == ("absences[0]", "absence 1: missing 'last_day'")
    assert problem.line == line_with(text, "[[absences]]")


def test_every_broken_absence_is_reported_not_only_the_first() -> None:
    text = clinic(more=absence("first", "2030-07-01", "2030-07-19").replace(
        "last_day = 2030-07-19\n", "") + absence("nobody", "2030-07-01", "2030-07-19")
        + absence("second", "2030-07-19", "2030-07-01"))

    assert [path for path, _, _ in problems(text)] == [
        "absences[0]", "absences[1].contact", "absences[2].last_day"]


def test_absences_written_as_an_inline_list_are_checked_on_the_line_of_the_list() -> None:
    text = clinic(fallback=FALLBACK + "absences = [{ contact = \"nobody\", "
                  "first_day = 2030-07-01, last_day = 2030-07-02 }]\n")

    [problem] = refusal(text)

    assert (problem.path, problem.text) == ("absences[0].contact",
                                            "absences[0].contact: no contact 'nobody'")
    assert problem.line == line_with(text, "absences = [")


# ---------------------------------------------------------- someone every day

ALONE = f"""
[topics.health]
contacts = ["first"]
{LABELS}
"""


def test_a_topic_whose_only_contact_is_away_for_one_day_cannot_be_received_that_day() -> None:
    text = clinic(topics=ALONE, more=absence("first", "2030-07-01", "2030-07-01"))

    assert problems(text) == [
        ("topics.health", "topics.health: nobody can receive it on 2030-07-01: every contact "
         "is absent and there is no deputy", 'add deputy = "<contact key>" to the topic')]


def test_a_deputy_away_from_the_day_after_the_contacts_absence_is_no_problem() -> None:
    text = clinic(more=absence("first", "2030-07-01", "2030-07-05")
                  + absence("second", "2030-07-06", "2030-07-10"))

    assert len(accepted(text).absences) == 2


def test_a_topic_without_contacts_does_not_hide_a_later_topic_nobody_can_receive() -> None:
    empty = f'\n[topics.empty]\ncontacts = []\n{LABELS}\n'

    found = problems(clinic(topics=empty + ALONE, more=absence("first", "2030-07-01",
                                                               "2030-07-01")))

    assert [path for path, _, _ in found] == ["topics.empty.contacts", "topics.health"]
