"""Reading the admin's routing file: TOML in, a RoutingConfig or every problem out.

An admin edits routing.toml by hand, so each problem names the key, the line and,
where it can, a hint ("did you mean 'contacts'?"). The service loads the file once
per cold start and refuses a broken one; `wegweiser check` and `make package` show
the same problems before anything is deployed.
"""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from chalicelib.core.languages import LANGUAGES
from chalicelib.core.loop import CLOSE_AFTER_DAYS, FOLLOW_UP_AFTER, loop_days
from chalicelib.core.routing import (
    DEFAULT_REMIND_AFTER_DAYS,
    DEFAULT_RESPONSE_DAYS,
    DEFAULT_RETENTION_DAYS,
    Absence,
    Accessibility,
    Compliance,
    Contact,
    Organisation,
    PartnerRole,
    Placeholder,
    Privacy,
    RoutingConfig,
    Topic,
)

# The config shipped with the code; admins know it at chalicelib/routing.toml.
BUNDLED_ROUTING_FILE = Path(__file__).resolve().parent.parent / "routing.toml"
# The checked config of the bundled file, written by `make package` (core/routing_snapshot.py).
BUNDLED_SNAPSHOT_FILE = BUNDLED_ROUTING_FILE.with_suffix(".snapshot")

# C0 and C1 controls (line breaks, tabs…), line and paragraph separators, and the bidi
# embeddings, overrides and isolates that can make a name read as something else.
_NOT_IN_A_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

# Shorter and a contact may not have answered yet; longer and it is hoarding.
RETENTION_BOUNDS = (7, 730)
RESPONSE_BOUNDS = (1, 30)
LONGEST_ABSENCE = timedelta(days=366)

TOP_LEVEL = {"organisations", "contacts", "topics", "fallback_topic", "privacy",
             "accessibility"}
TOP_LEVEL_OPTIONAL = {"absences", "remind_after_days", "escalation_contact", "reports"}
TOPIC_KEYS = {"labels", "contacts", "deputy", "cc", "retention_days", "response_days",
              "next_steps", "urgent_hint", "special_category"}
# A value of [privacy] or [accessibility] that begins with this is an example the city
# has still to confirm or replace: `wegweiser check` warns, `make release` refuses.
PLACEHOLDER_MARK = "PLACEHOLDER:"
PRIVACY_KEYS = {"controller", "legal_entity", "address", "email", "dpo_address", "dpo_email",
                "legal_basis"}
ACCESSIBILITY_KEYS = {"compliance", "law", "prepared_on", "feedback_email", "enforcement_body",
                      "enforcement_address"}
CONTACT_KEYS = {"name", "role", "email", "organisation", "staff_language", "languages"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file, where it is, and what would fix it."""

    path: str  # the key, dotted: "topics.health.deputy", "absences[2].last_day", "" for the file
    text: str
    hint: str = ""
    line: int | None = None

    def __str__(self) -> str:
        return self.located("")

    def located(self, file: str) -> str:
        """`FILE:LINE: text (hint)`, as compilers write it; without a file `line N: text`."""
        hint = f" ({self.hint})" if self.hint else ""
        if file:
            where = f"{file}:{self.line}: " if self.line else f"{file}: "
        else:
            where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.text}{hint}"


class RoutingConfigError(ValueError):
    """The routing config cannot be used; `problems` says every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("invalid routing config:\n" + "\n".join(f"- {p}" for p in problems))
        self.problems = problems


def load_routing(path: Path, contact_domains: frozenset[str] = frozenset()) -> RoutingConfig:
    return parse_routing_text(path.read_text(encoding="utf-8"), path.name, contact_domains)


def parse_routing_text(
    text: str, name: str = "routing.toml", contact_domains: frozenset[str] = frozenset()
) -> RoutingConfig:
    """Parse and check the file's text; problems carry their line numbers.

    With `contact_domains` (the stage's CONTACT_DOMAINS), every contact and cc address
    must have one of those domains: the file may come from S3, and a poisoned file
    must not be able to send inquiries to another domain.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"at line (\d+)", str(error))
        hint = ("a key given twice?" if "overwrite" in str(error)
                else "a table given twice?" if "twice" in str(error)
                else "check quotes, brackets and '=' on that line")
        raise RoutingConfigError([Problem(
            "", f"{name}: not valid TOML: {error}", hint, int(line.group(1)) if line else None
        )]) from error
    try:
        config = parse_routing(raw)
        problems = domain_problems(config, contact_domains) if contact_domains else []
        if problems:
            raise RoutingConfigError(problems)
    except RoutingConfigError as error:
        located = [replace(p, line=line_of(text, p.path)) for p in error.problems]
        raise RoutingConfigError(located) from None
    if not config.placeholders:
        return config
    lines = text.splitlines()
    placeholders = [replace(p, line=_table_key_line(lines, p.path) or line_of(text, p.path))
                    for p in config.placeholders]
    return replace(config, placeholders=tuple(
        sorted(placeholders, key=lambda p: (p.line is None, p.line or 0))))


def parse_contact_domains(text: str) -> frozenset[str]:
    """A stage's CONTACT_DOMAINS: domains separated by commas or spaces, in any case."""
    return frozenset(domain.lower() for domain in text.replace(",", " ").split())


def domain_problems(config: RoutingConfig, contact_domains: frozenset[str]) -> list[Problem]:
    """A problem for every contact or cc address outside the stage's domains."""
    allowed = ", ".join(sorted(contact_domains))
    addresses = [(f"contacts.{c.key}.email", c.email) for c in config.contacts.values()]
    addresses += [(f"topics.{t.key}.cc", address) for t in config.topics.values()
                  for address in t.cc]
    return [Problem(path, f"{path}: {address.rpartition('@')[2]!r} is not a domain this "
                          "stage may send inquiries to", f"CONTACT_DOMAINS: {allowed}")
            for path, address in addresses
            if address.rpartition("@")[2].lower() not in contact_domains]


def parse_routing(raw: Mapping[str, Any]) -> RoutingConfig:
    """Build a RoutingConfig from parsed TOML, or raise with every problem found."""
    check = _Checker()
    check.one_line_texts("", raw)
    check.keys("", "the file", raw, TOP_LEVEL, TOP_LEVEL_OPTIONAL)
    organisations = check.organisations(raw)
    contacts = check.contacts(raw, organisations)
    absences = check.absences(raw, contacts)
    topics = check.topics(raw, contacts)
    privacy = check.privacy(raw, organisations)
    accessibility = check.accessibility(raw)
    fallback = raw.get("fallback_topic")
    if not isinstance(fallback, str) or fallback not in topics:
        check.problem("fallback_topic", f"fallback_topic: {fallback!r} is not a topic of this file",
                      _suggest(fallback, topics))
    check.coverage(topics, absences)
    remind_after_days = check.whole_number(
        "remind_after_days", raw.get("remind_after_days", DEFAULT_REMIND_AFTER_DAYS),
        RESPONSE_BOUNDS)
    escalation_contact = (check.contact("escalation_contact", raw["escalation_contact"], contacts)
                          if "escalation_contact" in raw else None)
    report_recipients = check.report_recipients(raw, contacts)
    if check.problems or privacy is None or accessibility is None:
        raise RoutingConfigError(check.problems)
    return RoutingConfig(
        organisations=organisations,
        contacts=contacts,
        topics=topics,
        fallback_topic=str(fallback),
        privacy=privacy,
        accessibility=accessibility,
        absences=tuple(absences),
        placeholders=tuple(check.placeholders),
        remind_after_days=remind_after_days or DEFAULT_REMIND_AFTER_DAYS,
        escalation_contact=escalation_contact,
        report_recipients=report_recipients,
    )


class _Checker:
    """Collects every problem instead of stopping at the first: an admin fixes them all at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.placeholders: list[Placeholder] = []

    def problem(self, path: str, text: str, hint: str = "") -> None:
        self.problems.append(Problem(path, text, hint))

    def keys(self, path: str, where: str, table: Mapping[str, Any], required: set[str],
             optional: set[str]) -> bool:
        """Report missing and unknown keys; True when every required key is there."""
        prefix = f"{path}." if path else ""
        for key in sorted(required - table.keys()):
            self.problem(path, f"{where}: missing {key!r}")
        for key in sorted(table.keys() - required - optional):
            self.problem(f"{prefix}{key}", f"{where}: unknown key {key!r}",
                         _suggest(key, required | optional))
        return not required - table.keys()

    def tables(self, raw: Mapping[str, Any], section: str) -> dict[str, Any]:
        tables = raw.get(section, {})
        if not isinstance(tables, dict) or not tables:
            self.problem(section, f"{section}: at least one [{section}.<key>] table is needed")
            return {}
        valid = {key: table for key, table in tables.items() if isinstance(table, dict)}
        for key in tables.keys() - valid.keys():
            self.problem(f"{section}.{key}", f"{section}.{key}: must be a table")
        return valid

    def one_line_texts(self, path: str, value: object) -> None:
        """Every text of the file on one line: a line break, tab or other control
        character in a name or label would break the headers of the staff email."""
        if isinstance(value, str):
            found = _NOT_IN_A_TEXT.search(value)
            if found:
                self.problem(path, f"{path}: contains the control character "
                             f"U+{ord(found.group()):04X}",
                             "write every text on one line, without tabs or line breaks")
        elif isinstance(value, dict):
            for key, item in value.items():
                self.one_line_texts(f"{path}.{key}" if path else key, item)
        elif isinstance(value, list):
            tables = all(isinstance(item, dict) for item in value)
            for index, item in enumerate(value):
                self.one_line_texts(f"{path}[{index}]" if tables else path, item)

    def text(self, path: str, value: object) -> str | None:
        if isinstance(value, str) and value.strip():
            return value
        self.problem(path, f"{path}: a text in quotes is needed", 'for example "Anna Meier"')
        return None

    def email(self, path: str, value: object) -> str | None:
        from email_validator import EmailNotValidError, validate_email  # see inquiry.py

        try:
            return validate_email(str(value), check_deliverability=False).normalized
        except EmailNotValidError as error:
            self.problem(path, f"{path}: {value!r} is not a valid address ({error})",
                         "only the address, like name@example.org")
            return None

    def language(self, path: str, value: object) -> bool:
        if isinstance(value, str) and value in LANGUAGES:
            return True
        self.problem(path, f"{path}: unknown language {value!r}",
                     "one of " + ", ".join(LANGUAGES))
        return False

    def nonempty_list(self, path: str, value: object, what: str) -> list[Any]:
        if isinstance(value, list) and value:
            return value
        self.problem(path, f"{path}: {what}")
        return []

    def whole_number(self, path: str, value: object, bounds: tuple[int, int]) -> int | None:
        low, high = bounds
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        self.problem(path, f"{path}: {value!r} is not a whole number of days from {low} to {high}")
        return None

    def per_language(self, path: str, value: object) -> dict[str, str] | None:
        """A text in every language of the form, such as a label."""
        if not isinstance(value, dict):
            self.problem(path, f"{path}: a table of texts by language", 'like de = "…"')
            return None
        for language in LANGUAGES:
            if not isinstance(value.get(language), str) or not value[language].strip():
                self.problem(f"{path}.{language}", f"{path}.{language}: missing label",
                             f"every language of the form needs one: {', '.join(LANGUAGES)}")
        for language in value.keys() - LANGUAGES.keys():
            self.problem(f"{path}.{language}", f"{path}.{language}: unknown language",
                         _suggest(language, LANGUAGES))
        return {k: v for k, v in value.items() if isinstance(v, str)}

    def organisations(self, raw: Mapping[str, Any]) -> dict[str, Organisation]:
        organisations = {}
        for key, table in self.tables(raw, "organisations").items():
            path = f"organisations.{key}"
            if self.keys(path, path, table, {"name"}, {"office_hours"}):
                name = self.text(f"{path}.name", table["name"])
                hours = (self.per_language(f"{path}.office_hours", table["office_hours"])
                         if "office_hours" in table else None)
                if name:
                    organisations[key] = Organisation(key=key, name=name,
                                                      office_hours=hours or {})
        return organisations

    def contacts(
        self, raw: Mapping[str, Any], organisations: Mapping[str, Organisation]
    ) -> dict[str, Contact]:
        contacts = {}
        for key, table in self.tables(raw, "contacts").items():
            path = f"contacts.{key}"
            if not self.keys(path, path, table, CONTACT_KEYS - {"role"}, {"role"}):
                continue
            organisation = organisations.get(table["organisation"]) if isinstance(
                table["organisation"], str) else None
            if organisation is None:
                self.problem(f"{path}.organisation",
                             f"{path}.organisation: no organisation {table['organisation']!r}",
                             _suggest(table["organisation"], organisations))
            name = self.text(f"{path}.name", table["name"])
            email = self.email(f"{path}.email", table["email"])
            staff_ok = self.language(f"{path}.staff_language", table["staff_language"])
            spoken = self.nonempty_list(f"{path}.languages", table["languages"],
                                        'a list of language codes, such as ["de"]')
            for code in spoken:
                self.language(f"{path}.languages", code)
            # Kept even when a field is wrong (that problem is reported above and the
            # config refused): topics that name this contact must not report it missing.
            contacts[key] = Contact(
                key=key, name=name or key, role=str(table.get("role", "")),
                email=email or "", organisation=organisation or Organisation(key, key),
                staff_language=table["staff_language"] if staff_ok else "de",
                languages=tuple(code for code in spoken if isinstance(code, str)),
            )
        return contacts

    def contact(self, path: str, value: object, contacts: Mapping[str, Contact]) -> Contact | None:
        if isinstance(value, str) and value in contacts:
            return contacts[value]
        self.problem(path, f"{path}: no contact {value!r}", _suggest(value, contacts))
        return None

    def report_recipients(self, raw: Mapping[str, Any],
                          contacts: Mapping[str, Contact]) -> tuple[Contact, ...]:
        """[reports] recipients: the contact keys that get the monthly statistics."""
        table = raw.get("reports", {})
        if not isinstance(table, dict):
            self.problem("reports", "reports: must be a table")
            return ()
        self.keys("reports", "reports", table, set(), {"recipients"})
        keys = table.get("recipients", [])
        if not isinstance(keys, list):
            self.problem("reports.recipients", "reports.recipients: a list of contact keys")
            return ()
        found = (self.contact(f"reports.recipients[{index}]", key, contacts)
                 for index, key in enumerate(keys))
        return tuple(dict.fromkeys(contact for contact in found if contact is not None))

    def absences(self, raw: Mapping[str, Any], contacts: Mapping[str, Contact]) -> list[Absence]:
        entries = raw.get("absences", [])
        if not isinstance(entries, list):
            self.problem("absences", "absences: each absence is an [[absences]] table")
            return []
        absences = []
        for index, entry in enumerate(entries):
            path = f"absences[{index}]"
            where = f"absence {index + 1}"
            if not isinstance(entry, dict):
                self.problem(path, f"{where}: {entry!r} is not an [[absences]] table",
                             "contact, first_day and last_day, each on a line of its own")
                continue
            if not self.keys(path, where, entry, {"contact", "first_day", "last_day"}, {"note"}):
                continue
            contact = self.contact(f"{path}.contact", entry["contact"], contacts)
            first, last = entry["first_day"], entry["last_day"]
            for name, day in (("first_day", first), ("last_day", last)):
                if not _is_day(day):
                    self.problem(f"{path}.{name}", f"{where}: {name} {day!r} is not a date",
                                 "write it as 2026-12-24, without quotes")
            if not (contact and _is_day(first) and _is_day(last)):
                continue
            if last < first:
                self.problem(f"{path}.last_day",
                             f"{where}: it ends ({last}) before it starts ({first})",
                             "swap the two days?")
            elif last - first > LONGEST_ABSENCE:
                self.problem(f"{path}.last_day", f"{where}: longer than a year",
                             "remove the contact from its topics instead")
            else:
                absences.append(Absence(contact.key, first, last))
        return absences

    def topics(self, raw: Mapping[str, Any], contacts: Mapping[str, Contact]) -> dict[str, Topic]:
        topics = {}
        for key, table in self.tables(raw, "topics").items():
            path = f"topics.{key}"
            if not self.keys(path, path, table, {"labels", "contacts"},
                             TOPIC_KEYS - {"labels", "contacts"}):
                continue
            labels = self.per_language(f"{path}.labels", table["labels"])
            named = self.nonempty_list(f"{path}.contacts", table["contacts"],
                                       "a list of at least one contact key")
            members = [self.contact(f"{path}.contacts", name, contacts) for name in named]
            deputy = (self.contact(f"{path}.deputy", table["deputy"], contacts)
                      if "deputy" in table else None)
            if deputy is not None and deputy in members:
                self.problem(f"{path}.deputy",
                             f"{path}.deputy: {deputy.key} is already a contact of this topic",
                             "a deputy stands in for the contacts: choose someone else")
            cc = table.get("cc", [])
            cc_addresses = [self.email(f"{path}.cc", address) for address in
                            (cc if isinstance(cc, list) else [cc])]
            retention = self.whole_number(f"{path}.retention_days",
                                          table.get("retention_days", DEFAULT_RETENTION_DAYS),
                                          RETENTION_BOUNDS)
            response = self.whole_number(f"{path}.response_days",
                                         table.get("response_days", DEFAULT_RESPONSE_DAYS),
                                         RESPONSE_BOUNDS)
            if retention and response and retention < (needed := loop_days(response)):
                self.problem(
                    f"{path}.retention_days",
                    f"{path}.retention_days: {retention} days end before the inquiry's loop "
                    f"can ({needed} days: the answer within {response} working days, the "
                    f"follow-up {FOLLOW_UP_AFTER} working days later, then "
                    f"{CLOSE_AFTER_DAYS} days for the resident's answer)",
                    f"at least {needed}; the personal data goes when the loop closes anyway")
            next_steps = (self.per_language(f"{path}.next_steps", table["next_steps"])
                          if "next_steps" in table else None)
            urgent = (self.per_language(f"{path}.urgent_hint", table["urgent_hint"])
                      if "urgent_hint" in table else None)
            special = table.get("special_category", False)
            if not isinstance(special, bool):
                self.problem(f"{path}.special_category",
                             f"{path}.special_category: {special!r} is neither true nor false",
                             "true when its inquiries usually hold health data, without quotes")
            # Kept even when a field is wrong (reported above; the config is refused), so
            # the fallback check does not report a topic missing that is only broken.
            topics[key] = Topic(
                key=key, labels=labels or {}, contacts=tuple(c for c in members if c),
                deputy=deputy, cc=tuple(a for a in cc_addresses if a),
                retention_days=retention or DEFAULT_RETENTION_DAYS,
                response_days=response or DEFAULT_RESPONSE_DAYS,
                next_steps=next_steps, urgent_hint=urgent, special_category=special is True,
            )
        return topics

    def settled(self, path: str, value: object) -> object:
        """The value without its placeholder mark; a marked value is noted as a placeholder."""
        if isinstance(value, str) and value.startswith(PLACEHOLDER_MARK):
            value = value.removeprefix(PLACEHOLDER_MARK).strip()
            self.placeholders.append(Placeholder(path, value))
        return value

    def settled_table(self, section: str, raw: Mapping[str, Any], required: set[str],
                      optional: set[str]) -> dict[str, Any] | None:
        """[privacy] or [accessibility] with every placeholder mark taken off its values."""
        if section not in raw:
            return None  # reported as a missing key of the file
        table = raw[section]
        if not isinstance(table, dict):
            self.problem(section, f"{section}: must be a table")
            return None
        if not self.keys(section, section, table, required, optional):
            return None
        return {key: ({inner: self.settled(f"{section}.{key}.{inner}", item)
                       for inner, item in value.items()} if isinstance(value, dict)
                      else self.settled(f"{section}.{key}", value))
                for key, value in table.items()}

    def choice(self, path: str, value: object, choices: type[StrEnum]) -> str | None:
        known = [str(member) for member in choices]
        if isinstance(value, str) and value in known:
            return value
        self.problem(path, f"{path}: {value!r} is not one of {', '.join(known)}",
                     _suggest(value, set(known)))
        return None

    def privacy(
        self, raw: Mapping[str, Any], organisations: Mapping[str, Organisation]
    ) -> Privacy | None:
        table = self.settled_table("privacy", raw, PRIVACY_KEYS, {"partners"})
        if table is None:
            return None
        controller = organisations.get(str(table["controller"]))
        if controller is None:
            self.problem("privacy.controller",
                         f"privacy.controller: no organisation {table['controller']!r}",
                         _suggest(table["controller"], organisations))
        texts = {key: self.text(f"privacy.{key}", table[key])
                 for key in ("legal_entity", "address", "dpo_address", "legal_basis")}
        emails = {key: self.email(f"privacy.{key}", table[key]) for key in ("email", "dpo_email")}
        partners = self.partners(table.get("partners", {}), controller, organisations)
        if controller is None or partners is None or not all(texts.values()) or not all(
                emails.values()):
            return None
        return Privacy(
            controller=controller, legal_entity=str(texts["legal_entity"]),
            address=str(texts["address"]), email=str(emails["email"]),
            dpo_address=str(texts["dpo_address"]), dpo_email=str(emails["dpo_email"]),
            legal_basis=str(texts["legal_basis"]), partners=partners,
        )

    def partners(
        self, table: object, controller: Organisation | None,
        organisations: Mapping[str, Organisation],
    ) -> dict[str, PartnerRole] | None:
        """Every organisation but the controller, and how it stands to the controller: the
        notice must say it for each one that receives residents' inquiries."""
        if not isinstance(table, dict):
            self.problem("privacy.partners", "privacy.partners: a table of organisations",
                         'like partners.verein = "joint"')
            return None
        roles: dict[str, PartnerRole] = {}
        for key, value in table.items():
            path = f"privacy.partners.{key}"
            if key not in organisations:
                self.problem(path, f"{path}: no organisation {key!r}",
                             _suggest(key, organisations))
            elif controller is not None and key == controller.key:
                self.problem(path, f"{path}: {key} is the controller itself",
                             "partners are the other organisations")
            elif (role := self.choice(path, value, PartnerRole)) is not None:
                roles[key] = PartnerRole(role)
        others = [key for key in organisations if controller is None or key != controller.key]
        for key in others:
            if key not in table:
                self.problem("privacy.partners" if table else "privacy",
                             f"privacy.partners.{key}: missing: how does {key} stand to the "
                             "controller?", "separate, joint or processor")
        return roles if len(roles) == len(others) else None

    def accessibility(self, raw: Mapping[str, Any]) -> Accessibility | None:
        table = self.settled_table("accessibility", raw, ACCESSIBILITY_KEYS, set())
        if table is None:
            return None
        compliance = self.choice("accessibility.compliance", table["compliance"], Compliance)
        texts = {key: self.text(f"accessibility.{key}", table[key])
                 for key in ("law", "enforcement_body", "enforcement_address")}
        feedback = self.email("accessibility.feedback_email", table["feedback_email"])
        prepared_on = table["prepared_on"]
        if not _is_day(prepared_on):
            self.problem("accessibility.prepared_on",
                         f"accessibility.prepared_on: {prepared_on!r} is not a date",
                         "write it as 2026-12-01, without quotes")
        if compliance is None or feedback is None or not all(texts.values()) or not _is_day(
                prepared_on):
            return None
        return Accessibility(
            compliance=Compliance(compliance), law=str(texts["law"]), prepared_on=prepared_on,
            feedback_email=feedback, enforcement_body=str(texts["enforcement_body"]),
            enforcement_address=str(texts["enforcement_address"]),
        )

    def coverage(self, topics: Mapping[str, Topic], absences: list[Absence]) -> None:
        """Every topic has someone present on every day: contacts or, failing them, the deputy."""
        away: dict[str, set[date]] = {}
        for absence in absences:
            away.setdefault(absence.contact, set()).update(_days(absence))
        for topic in topics.values():
            if not topic.contacts:  # already reported
                continue
            # The days on which every contact of the topic is away, as set arithmetic:
            # a config with thousands of topics is checked in well under a second.
            nobody = set.intersection(*(away.get(c.key, set()) for c in topic.contacts))
            if not nobody:
                continue
            if topic.deputy is None:
                day = min(nobody)
                self.problem(f"topics.{topic.key}",
                             f"topics.{topic.key}: nobody can receive it on {day}: every "
                             "contact is absent and there is no deputy",
                             'add deputy = "<contact key>" to the topic')
            elif deputy_away := nobody & away.get(topic.deputy.key, set()):
                self.problem(f"topics.{topic.key}.deputy",
                             f"topics.{topic.key}.deputy: {topic.deputy.key} is absent on "
                             f"{min(deputy_away)} too, when every contact of the topic is",
                             "choose another deputy or move an absence")


def _is_day(value: object) -> bool:
    """A TOML date; a date with a time (also a `date` in Python) is not a day."""
    return isinstance(value, date) and not isinstance(value, datetime)


def _days(absence: Absence) -> list[date]:
    length = (absence.last_day - absence.first_day).days
    return [absence.first_day + timedelta(days=n) for n in range(length + 1)]


def _suggest(value: object, known: Mapping[str, Any] | set[str]) -> str:
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, list(known), n=1)
    return f"did you mean {close[0]!r}?" if close else ""


def line_of(text: str, path: str) -> int | None:
    """The line of `path` ("topics.health.deputy", "absences[1].contact") in a TOML text.

    Follows the file's table headers and keys; for a key it cannot find it gives the
    line of its table, so the admin still knows where to look.
    """
    if not path:
        return None
    lines = text.splitlines()
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    header_line: int | None = None
    start = 0
    for depth in range(len(parts), 0, -1):  # the longest header the path begins with
        found = _header(lines, parts[:depth])
        if found is not None:
            header_line, start = found, found
            parts = parts[depth:]
            break
    if not parts:
        return header_line
    key = ".".join(p for p in parts if not p.startswith("["))
    end = next((n for n in range(start + 1, len(lines)) if lines[n].lstrip().startswith("[")),
               len(lines))
    for n in range(start, end):
        if re.match(rf"\s*{re.escape(key)}\s*=", lines[n]):
            return n + 1
    first = key.split(".")[0]
    for n in range(start, end):
        if re.match(rf"\s*{re.escape(first)}[\s.=]", lines[n]):
            return n + 1
    return header_line


def _table_key_line(lines: list[str], path: str) -> int | None:
    """The line of "privacy.partners.drk" as `partners.drk = …` under [privacy]: quick for
    the tables at the top of the file, where line_of would first look for [privacy.partners]
    through a file of ten thousand topics. None if it is not written that way."""
    table, _, key = path.partition(".")
    header = f"[{table}]"
    start = next((n for n, line in enumerate(lines) if line.split("#")[0].strip() == header),
                 None)
    if start is None:
        return None
    for n in range(start + 1, len(lines)):
        line = lines[n].lstrip()
        if line.startswith("["):
            return None
        if re.match(rf"{re.escape(key)}\s*=", line):
            return n + 1
    return None


def _header(lines: list[str], parts: list[str]) -> int | None:
    """The 1-based line of the table header for these path parts, if the file has one."""
    if parts and parts[-1].startswith("["):  # the n-th [[array]] table
        index = int(parts[-1][1:-1])
        name = ".".join(parts[:-1])
        seen = [n for n, line in enumerate(lines)
                if line.split("#")[0].strip() == f"[[{name}]]"]
        return seen[index] + 1 if index < len(seen) else None
    name = ".".join(parts)
    for n, line in enumerate(lines):
        if line.strip().split("#")[0].strip() == f"[{name}]":
            return n + 1
    return None


@functools.cache
def bundled_routing(contact_domains: frozenset[str] = frozenset()) -> RoutingConfig:
    """The config shipped with the code, loaded once per container (and checked against
    the stage's contact domains, as `make package` checked it already)."""
    from chalicelib.core.routing_snapshot import read_snapshot

    text = BUNDLED_ROUTING_FILE.read_text(encoding="utf-8")
    checked = read_snapshot(BUNDLED_SNAPSHOT_FILE, text, contact_domains)
    if checked is not None:  # made by `make package` from this very file: checked already
        return checked
    return parse_routing_text(text, BUNDLED_ROUTING_FILE.name, contact_domains)
