"""The routing config: who receives which inquiry, and why.

The config is an admin-edited TOML file (routing.toml beside this module). It is
read and validated once per cold start; any problem raises RoutingConfigError with
every problem listed, so a broken config stops a deploy or a test run and never
reaches a resident. The decision itself is a pure function over frozen data.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email

from chalicelib.languages import LANGUAGES

BUNDLED_ROUTING_FILE = Path(__file__).with_name("routing.toml")

DEFAULT_RETENTION_DAYS = 180
# Shorter and a contact may not have answered yet; longer and it is hoarding.
RETENTION_BOUNDS = (7, 730)


class RoutingConfigError(ValueError):
    """The routing config cannot be used; `problems` says every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid routing config:\n" + "\n".join(f"- {p}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Organisation:
    key: str
    name: str


@dataclass(frozen=True)
class Contact:
    key: str
    name: str
    role: str
    email: str
    organisation: Organisation
    staff_language: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Topic:
    key: str
    labels: Mapping[str, str]
    contacts: tuple[Contact, ...]
    retention_days: int = DEFAULT_RETENTION_DAYS  # then the stored inquiry is deleted

    def label(self, language: str) -> str:
        return self.labels[language]


@dataclass(frozen=True)
class Privacy:
    """Who the privacy notice names as responsible for the residents' data."""

    controller: Organisation
    address: str
    email: str


@dataclass(frozen=True)
class RoutingConfig:
    organisations: Mapping[str, Organisation]
    contacts: Mapping[str, Contact]
    topics: Mapping[str, Topic]  # in the order the form lists them
    fallback_topic: str
    privacy: Privacy


@dataclass(frozen=True)
class RoutingDecision:
    topic: Topic
    contact: Contact
    reasons: tuple[str, ...]  # the rules that decided, in words an admin reads


def route_inquiry(
    config: RoutingConfig, topic_key: str, language: str, on: date
) -> RoutingDecision:
    """Choose the contact person for an inquiry about `topic_key` written in `language`.

    `on` is the day of the inquiry; absences and deputies will use it.
    """
    reasons: list[str] = []
    topic = config.topics.get(topic_key)
    if topic is None:
        topic = config.topics[config.fallback_topic]
        reasons.append(f"topic {topic_key!r} does not exist: fallback topic {topic.key!r}")
    speakers = [c for c in topic.contacts if language in c.languages]
    if speakers and speakers[0] is not topic.contacts[0]:
        contact = speakers[0]
        reasons.append(f"{contact.key} is the first contact of {topic.key!r} who speaks {language}")
    else:
        contact = topic.contacts[0]
        reasons.append(f"{contact.key} is the first contact of topic {topic.key!r}")
    return RoutingDecision(topic=topic, contact=contact, reasons=tuple(reasons))


@functools.cache
def bundled_routing() -> RoutingConfig:
    """The config shipped with the code, loaded once per container."""
    return load_routing(BUNDLED_ROUTING_FILE)


def load_routing(path: Path) -> RoutingConfig:
    try:
        with path.open("rb") as file:
            raw = tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise RoutingConfigError([f"{path.name}: not valid TOML: {error}"]) from error
    return parse_routing(raw)


def parse_routing(raw: Mapping[str, Any]) -> RoutingConfig:
    """Build a RoutingConfig from parsed TOML, or raise with every problem found."""
    problems: list[str] = []
    _check_keys("the file", raw,
                {"organisations", "contacts", "topics", "fallback_topic", "privacy"}, set(),
                problems)

    organisations: dict[str, Organisation] = {}
    for key, table in _tables(raw, "organisations", problems).items():
        if _check_keys(f"organisations.{key}", table, {"name"}, set(), problems):
            organisations[key] = Organisation(key=key, name=str(table["name"]))

    contacts: dict[str, Contact] = {}
    contact_keys = {"name", "email", "organisation", "staff_language", "languages"}
    for key, table in _tables(raw, "contacts", problems).items():
        where = f"contacts.{key}"
        if not _check_keys(where, table, contact_keys, {"role"}, problems):
            continue
        organisation = organisations.get(str(table["organisation"]))
        if organisation is None:
            problems.append(f"{where}.organisation: no organisation {table['organisation']!r}")
        email = _checked_email(f"{where}.email", table["email"], problems)
        staff_language = str(table["staff_language"])
        if staff_language not in LANGUAGES:
            problems.append(f"{where}.staff_language: unknown language {staff_language!r}")
        languages = table["languages"]
        if not isinstance(languages, list) or not languages:
            problems.append(f"{where}.languages: a list of language codes, such as [\"de\"]")
            languages = []
        for language in languages:
            if not isinstance(language, str) or language not in LANGUAGES:
                problems.append(f"{where}.languages: unknown language {language!r}")
        if organisation is not None and email is not None:
            contacts[key] = Contact(
                key=key,
                name=str(table["name"]),
                role=str(table.get("role", "")),
                email=email,
                organisation=organisation,
                staff_language=staff_language,
                languages=tuple(str(language) for language in languages),
            )

    topics: dict[str, Topic] = {}
    for key, table in _tables(raw, "topics", problems).items():
        where = f"topics.{key}"
        if not _check_keys(where, table, {"labels", "contacts"}, {"retention_days"}, problems):
            continue
        retention = table.get("retention_days", DEFAULT_RETENTION_DAYS)
        low, high = RETENTION_BOUNDS
        if not isinstance(retention, int) or not low <= retention <= high:
            problems.append(f"{where}.retention_days: a whole number of days from {low} to {high}")
            retention = DEFAULT_RETENTION_DAYS
        labels = table["labels"]
        if not isinstance(labels, dict):
            problems.append(f"{where}.labels: a table of labels by language")
            continue
        for language in LANGUAGES:
            if not str(labels.get(language, "")).strip():
                problems.append(f"{where}.labels.{language}: missing label")
        for language in labels.keys() - LANGUAGES.keys():
            problems.append(f"{where}.labels.{language}: unknown language")
        named = table["contacts"]
        if not isinstance(named, list) or not named:
            problems.append(f"{where}.contacts: a list of at least one contact key")
            continue
        missing = [name for name in named if not isinstance(name, str) or name not in contacts]
        for name in missing:
            problems.append(f"{where}.contacts: no contact {name!r}")
        if not missing:
            topics[key] = Topic(
                key=key,
                labels={language: str(label) for language, label in labels.items()},
                contacts=tuple(contacts[name] for name in named),
                retention_days=retention,
            )

    privacy = None
    table = raw.get("privacy", {})
    if not isinstance(table, dict):
        problems.append("privacy: must be a table")
    elif _check_keys("privacy", table, {"controller", "address", "email"}, set(), problems):
        controller = organisations.get(str(table["controller"]))
        email = _checked_email("privacy.email", table["email"], problems)
        if controller is None:
            problems.append(f"privacy.controller: no organisation {table['controller']!r}")
        elif email is not None:
            privacy = Privacy(controller=controller, address=str(table["address"]), email=email)

    fallback = raw.get("fallback_topic")
    if not isinstance(fallback, str) or fallback not in topics:
        problems.append(f"fallback_topic: {fallback!r} is not a topic of this file")
    if problems or privacy is None:
        raise RoutingConfigError(problems)
    return RoutingConfig(
        organisations=organisations,
        contacts=contacts,
        topics=topics,
        fallback_topic=str(fallback),
        privacy=privacy,
    )


def _tables(raw: Mapping[str, Any], section: str, problems: list[str]) -> dict[str, Any]:
    tables = raw.get(section, {})
    if not isinstance(tables, dict) or not tables:
        problems.append(f"{section}: at least one [{section}.<key>] table is needed")
        return {}
    valid = {key: table for key, table in tables.items() if isinstance(table, dict)}
    for key in tables.keys() - valid.keys():
        problems.append(f"{section}.{key}: must be a table")
    return valid


def _check_keys(
    where: str, table: Mapping[str, Any], required: set[str], optional: set[str],
    problems: list[str],
) -> bool:
    """Report missing and unknown keys; True when every required key is there."""
    missing = sorted(required - table.keys())
    unknown = sorted(table.keys() - required - optional)
    problems.extend(f"{where}: missing {key!r}" for key in missing)
    problems.extend(f"{where}: unknown key {key!r}" for key in unknown)
    return not missing


def _checked_email(where: str, value: object, problems: list[str]) -> str | None:
    try:
        return validate_email(str(value), check_deliverability=False).normalized
    except EmailNotValidError as error:
        problems.append(f"{where}: {value!r} is not a valid address ({error})")
        return None
