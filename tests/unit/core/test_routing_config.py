"""The routing config (chalicelib/routing.py): the bundled file, the decision, broken configs."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chalicelib.core.languages import LANGUAGES
from chalicelib.core.routing import RoutingConfig, route_inquiry
from chalicelib.core.routing_file import (
    BUNDLED_ROUTING_FILE,
    RoutingConfigError,
    bundled_routing,
    load_routing,
    parse_routing,
)
from tests.unit.core.clinic_routing import CLINIC, LABELS

ON = date(2025, 3, 3)

EXPECTED_CONTACTS = {
    "education": "info@integration-flensburg.de",
    "work": "schulz.stefan@flensburg.de",
    "health": "presse@drk.de",
    "culture": "info@integration-flensburg.de",
    "project": "info@integration-flensburg.de",
    "press": "presse@drk.de",
    "other": "schulz.stefan@flensburg.de",
}


def bundled_raw() -> dict[str, Any]:
    """A fresh copy of the bundled routing.toml, parsed but not validated."""
    with BUNDLED_ROUTING_FILE.open("rb") as file:
        return copy.deepcopy(tomllib.load(file))


def refusal_of(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(RoutingConfigError) as refused:
        parse_routing(raw)
    return [str(problem) for problem in refused.value.problems]


# -------------------------------------------------------------- the bundled file


def test_the_bundled_config_loads() -> None:
    config = load_routing(BUNDLED_ROUTING_FILE)

    assert isinstance(config, RoutingConfig)
    assert bundled_routing() == config


def test_the_bundled_config_offers_seven_topics_in_form_order() -> None:
    assert list(bundled_routing().topics) == list(EXPECTED_CONTACTS)


@pytest.mark.parametrize(("topic", "email"), EXPECTED_CONTACTS.items(),
                         ids=list(EXPECTED_CONTACTS))
def test_each_bundled_topic_goes_to_its_contact(topic: str, email: str) -> None:
    decision = route_inquiry(bundled_routing(), topic, "de", ON)

    assert decision.topic.key == topic
    assert decision.contact.email == email


def test_the_bundled_organisations_are_the_three_partners() -> None:
    names = {organisation.name for organisation in bundled_routing().organisations.values()}

    assert names == {
        "Integration in Flensburg e.V.",
        "Stadt Flensburg, Amt für Integration",
        "Deutsches Rotes Kreuz",
    }


def test_every_bundled_topic_has_a_label_in_every_language() -> None:
    for topic in bundled_routing().topics.values():
        for language in LANGUAGES:
            assert topic.label(language).strip(), (topic.key, language)


def test_the_bundled_fallback_topic_is_other() -> None:
    assert bundled_routing().fallback_topic == "other"


def test_an_unknown_topic_is_routed_to_the_fallback_with_a_reason_that_says_so() -> None:
    decision = route_inquiry(bundled_routing(), "astrology", "de", ON)

    assert decision.topic.key == "other"
    assert decision.contact.email == "schulz.stefan@flensburg.de"
    assert any("astrology" in reason and "fallback" in reason for reason in decision.reasons)


def test_a_known_topic_gives_no_fallback_reason() -> None:
    decision = route_inquiry(bundled_routing(), "health", "de", ON)

    assert not any("fallback" in reason for reason in decision.reasons)
    assert decision.reasons


def test_a_missing_bundled_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_routing(tmp_path / "routing.toml")


def test_a_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "routing.toml"
    path.write_text("fallback_topic = \n[[[", encoding="utf-8")

    with pytest.raises(RoutingConfigError) as refused:
        load_routing(path)

    assert "routing.toml: not valid TOML" in str(refused.value.problems[0])


# ------------------------------------------------------------- choosing a contact

TWO_CONTACTS = f"""
fallback_topic = "health"
{CLINIC}
[topics.health]
contacts = ["first", "second"]
{LABELS}
"""


@pytest.fixture
def two_contacts() -> RoutingConfig:
    return parse_routing(tomllib.loads(TWO_CONTACTS))


def test_when_only_the_second_contact_speaks_the_language_the_second_is_chosen(
    two_contacts: RoutingConfig,
) -> None:
    decision = route_inquiry(two_contacts, "health", "ar", ON)

    assert decision.contact.key == "second"
    assert any("second" in reason and "ar" in reason for reason in decision.reasons)


@pytest.mark.parametrize(
    "language",
    [pytest.param("de", id="both-speak-it"), pytest.param("tr", id="nobody-speaks-it")],
)
def test_otherwise_the_first_contact_is_chosen(
    two_contacts: RoutingConfig, language: str
) -> None:
    decision = route_inquiry(two_contacts, "health", language, ON)

    assert decision.contact.key == "first"


def test_the_chosen_contact_carries_its_organisation(two_contacts: RoutingConfig) -> None:
    contact = route_inquiry(two_contacts, "health", "ar", ON).contact

    assert contact.organisation.name == "Klinik am Hafen"
    assert contact.email == "second@example.org"


# ---------------------------------------------------------------- broken configs


def add_unknown_top_level_key(raw: dict[str, Any]) -> None:
    raw["fallback"] = "other"


def add_unknown_contact_key(raw: dict[str, Any]) -> None:
    raw["contacts"]["anna-meier"]["phone"] = "0461 123"


def refer_to_a_missing_organisation(raw: dict[str, Any]) -> None:
    raw["contacts"]["anna-meier"]["organisation"] = "caritas"


def give_a_malformed_contact_email(raw: dict[str, Any]) -> None:
    raw["contacts"]["stefan-schulz"]["email"] = "schulz.stefan(at)flensburg.de"


def give_a_contact_email_with_a_display_name(raw: dict[str, Any]) -> None:
    raw["contacts"]["stefan-schulz"]["email"] = "Stefan <schulz.stefan@flensburg.de>"


def drop_an_arabic_label(raw: dict[str, Any]) -> None:
    del raw["topics"]["health"]["labels"]["ar"]


def blank_a_german_label(raw: dict[str, Any]) -> None:
    raw["topics"]["health"]["labels"]["de"] = "  "


def add_a_label_in_an_unknown_language(raw: dict[str, Any]) -> None:
    raw["topics"]["health"]["labels"]["fr"] = "Santé"


def name_an_unknown_contact_in_a_topic(raw: dict[str, Any]) -> None:
    raw["topics"]["press"]["contacts"] = ["andrea-becker", "max-mustermann"]


def leave_a_topic_without_contacts(raw: dict[str, Any]) -> None:
    raw["topics"]["press"]["contacts"] = []


def point_the_fallback_at_no_topic(raw: dict[str, Any]) -> None:
    raw["fallback_topic"] = "misc"


def drop_the_fallback(raw: dict[str, Any]) -> None:
    del raw["fallback_topic"]


def empty_the_topics(raw: dict[str, Any]) -> None:
    raw["topics"] = {}


def give_an_unknown_staff_language(raw: dict[str, Any]) -> None:
    raw["contacts"]["andrea-becker"]["staff_language"] = "dk"


def give_an_unknown_spoken_language(raw: dict[str, Any]) -> None:
    raw["contacts"]["andrea-becker"]["languages"] = ["de", "xx"]


def give_no_spoken_language(raw: dict[str, Any]) -> None:
    raw["contacts"]["andrea-becker"]["languages"] = []


def make_an_organisation_a_string(raw: dict[str, Any]) -> None:
    raw["organisations"]["drk"] = "Deutsches Rotes Kreuz"


def drop_an_organisation_name(raw: dict[str, Any]) -> None:
    del raw["organisations"]["drk"]["name"]


Breakage = Callable[[dict[str, Any]], None]

BROKEN_CONFIGS: list[tuple[Breakage, str]] = [
    (add_unknown_top_level_key, "the file: unknown key 'fallback'"),
    (add_unknown_contact_key, "contacts.anna-meier: unknown key 'phone'"),
    (refer_to_a_missing_organisation, "contacts.anna-meier.organisation"),
    (give_a_malformed_contact_email, "contacts.stefan-schulz.email"),
    (give_a_contact_email_with_a_display_name, "contacts.stefan-schulz.email"),
    (drop_an_arabic_label, "topics.health.labels.ar"),
    (blank_a_german_label, "topics.health.labels.de"),
    (add_a_label_in_an_unknown_language, "topics.health.labels.fr"),
    (name_an_unknown_contact_in_a_topic, "topics.press.contacts: no contact 'max-mustermann'"),
    (leave_a_topic_without_contacts, "topics.press.contacts"),
    (point_the_fallback_at_no_topic, "fallback_topic: 'misc'"),
    (drop_the_fallback, "the file: missing 'fallback_topic'"),
    (empty_the_topics, "topics: at least one"),
    (give_an_unknown_staff_language, "contacts.andrea-becker.staff_language"),
    (give_an_unknown_spoken_language, "contacts.andrea-becker.languages: unknown language 'xx'"),
    (give_no_spoken_language, "contacts.andrea-becker.languages"),
    (make_an_organisation_a_string, "organisations.drk: must be a table"),
    (drop_an_organisation_name, "organisations.drk: missing 'name'"),
]


def test_the_helper_copy_of_the_bundled_config_is_itself_accepted() -> None:
    assert parse_routing(bundled_raw()) == bundled_routing()


def test_every_problem_is_listed_at_once() -> None:
    raw = bundled_raw()
    add_unknown_contact_key(raw)
    drop_an_arabic_label(raw)
    point_the_fallback_at_no_topic(raw)

    problems = refusal_of(raw)

    for key_path in ("contacts.anna-meier", "topics.health.labels.ar", "fallback_topic"):
        assert any(key_path in problem for problem in problems), (key_path, problems)


def test_the_error_message_lists_the_problems_for_an_admin() -> None:
    raw = bundled_raw()
    point_the_fallback_at_no_topic(raw)

    with pytest.raises(RoutingConfigError) as refused:
        parse_routing(raw)

    assert str(refused.value).startswith("invalid routing config:\n- ")
    assert "'misc' is not a topic of this file" in str(refused.value)


# A TOML admin can type a nested list or a list where a string belongs; such values
# must be refused like any other mistake, never crash the cold start with a TypeError.


def nest_the_spoken_languages(raw: dict[str, Any]) -> None:
    raw["contacts"]["andrea-becker"]["languages"] = [["de", "en"]]


def nest_the_topic_contacts(raw: dict[str, Any]) -> None:
    raw["topics"]["press"]["contacts"] = [["andrea-becker"]]


def make_the_fallback_a_list(raw: dict[str, Any]) -> None:
    raw["fallback_topic"] = ["other"]


MISTYPED_CONFIGS: list[tuple[Breakage, str]] = [
    (nest_the_spoken_languages, "contacts.andrea-becker.languages"),
    (nest_the_topic_contacts, "topics.press.contacts"),
    (make_the_fallback_a_list, "fallback_topic"),
]


ALL_MISTAKES = BROKEN_CONFIGS + MISTYPED_CONFIGS


@pytest.mark.parametrize(
    ("breakage", "key_path"),
    ALL_MISTAKES,
    ids=[breakage.__name__.replace("_", "-") for breakage, _ in ALL_MISTAKES],
)
def test_a_config_with_one_mistake_is_refused_naming_the_key_path(
    breakage: Breakage, key_path: str
) -> None:
    raw = bundled_raw()
    breakage(raw)

    problems = refusal_of(raw)

    assert any(key_path in problem for problem in problems), problems
