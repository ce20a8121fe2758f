"""Who receives an inquiry when contacts are away (routing.py, rules 2 to 5).

`wegweiser check` refuses a file in which a topic can reach nobody, so the last rules
(a deputy away too, every contact of the fallback away) can only be met by a config
built here directly, as a config read from S3 before the check would be. The reasons
are what `wegweiser route` shows an admin, so they are compared in full.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from chalicelib.core.routing import (
    Absence,
    Contact,
    Organisation,
    RoutingConfig,
    RoutingDecision,
    Topic,
    route_inquiry,
)
from chalicelib.core.routing_file import bundled_routing

CLINIC = Organisation("clinic", "Klinik am Hafen")
MONDAY = date(2025, 3, 3)


def contact(key: str, *languages: str) -> Contact:
    return Contact(key=key, name=key.title(), role="", email=f"{key}@example.org",
                   organisation=CLINIC, staff_language="de", languages=languages or ("de",))


FRIDA = contact("frida")
SAMIR = contact("samir", "de", "ar")
DORA = contact("dora")  # the deputy of health
OTTO = contact("otto")  # the fallback topic's first contact
OLGA = contact("olga", "de", "ar")


def topic(key: str, *contacts: Contact, deputy: Contact | None = None) -> Topic:
    return Topic(key=key, labels={"de": key}, contacts=contacts, deputy=deputy)


HEALTH = topic("health", FRIDA, SAMIR, deputy=DORA)
PRESS = topic("press", FRIDA)  # no deputy
OTHER = topic("other", OTTO, OLGA)  # the fallback topic, no deputy


def away(*contacts: Contact, first: date = MONDAY, last: date = MONDAY) -> list[Absence]:
    return [Absence(c.key, first, last) for c in contacts]


def routing(*absences: list[Absence]) -> RoutingConfig:
    # The bundled file's [privacy] and [accessibility]: the choice never reads them.
    return replace(
        bundled_routing(),
        organisations={"clinic": CLINIC},
        contacts={c.key: c for c in (FRIDA, SAMIR, DORA, OTTO, OLGA)},
        topics={t.key: t for t in (HEALTH, PRESS, OTHER)},
        fallback_topic="other",
        absences=tuple(a for group in absences for a in group),
    )


def route(config: RoutingConfig, topic_key: str, language: str = "de",
          on: date = MONDAY) -> RoutingDecision:
    return route_inquiry(config, topic_key, language, on)


# ------------------------------------------------------------------- absences


def test_an_absent_first_contact_is_skipped_for_the_next_one() -> None:
    decision = route(routing(away(FRIDA)), "health")

    assert decision.contact == SAMIR
    assert decision.reasons == ("frida is absent on 2025-03-03",
                                "samir is the first contact of topic 'health' present")


def test_an_absence_covers_its_first_and_its_last_day_and_no_day_after() -> None:
    config = routing(away(FRIDA, first=date(2025, 3, 3), last=date(2025, 3, 7)))

    assert route(config, "health", on=date(2025, 3, 2)).contact == FRIDA
    assert route(config, "health", on=date(2025, 3, 3)).contact == SAMIR
    assert route(config, "health", on=date(2025, 3, 7)).contact == SAMIR
    assert route(config, "health", on=date(2025, 3, 8)).contact == FRIDA


# -------------------------------------------------------------------- deputy


def test_when_every_contact_is_absent_the_deputy_receives_it() -> None:
    decision = route(routing(away(FRIDA, SAMIR)), "health")

    assert decision.topic == HEALTH
    assert decision.contact == DORA
    assert decision.reasons == ("frida is absent on 2025-03-03",
                                "samir is absent on 2025-03-03",
                                "dora is the deputy of topic 'health'")


def test_a_deputy_away_in_another_week_still_stands_in_today() -> None:
    deputy_later = away(DORA, first=date(2025, 3, 10), last=date(2025, 3, 14))

    decision = route(routing(away(FRIDA, SAMIR), deputy_later), "health")

    assert decision.contact == DORA


def test_when_the_deputy_is_absent_too_the_fallback_topic_decides() -> None:
    decision = route(routing(away(FRIDA, SAMIR, DORA)), "health")

    assert decision.topic == HEALTH, "the emails still name the topic the resident chose"
    assert decision.contact == OTTO
    assert decision.reasons == ("frida is absent on 2025-03-03",
                                "samir is absent on 2025-03-03",
                                "the deputy dora is absent on 2025-03-03 too",
                                "nobody of 'health' is present: fallback topic 'other'",
                                "otto is the first contact of topic 'other' present")


def test_the_fallback_topic_chooses_by_language_as_any_topic_does() -> None:
    decision = route(routing(away(FRIDA, SAMIR, DORA)), "health", language="ar")

    assert decision.topic == HEALTH
    assert decision.contact == OLGA


def test_a_topic_without_a_deputy_whose_contacts_are_all_absent_goes_to_the_fallback() -> None:
    decision = route(routing(away(FRIDA)), "press")

    assert decision.topic == PRESS
    assert decision.contact == OTTO
    assert decision.reasons == ("frida is absent on 2025-03-03",
                                "nobody of 'press' is present: fallback topic 'other'",
                                "otto is the first contact of topic 'other' present")


# --------------------------------------------------------- nobody at all


def test_when_nobody_of_the_fallback_topic_is_present_its_first_contact_gets_it_anyway() -> None:
    decision = route(routing(away(OTTO, OLGA)), "other")

    assert decision.topic == OTHER
    assert decision.contact == OTTO
    assert decision.reasons == ("otto is absent on 2025-03-03",
                                "olga is absent on 2025-03-03",
                                "nobody of 'other' is present: otto anyway")


def test_when_nobody_of_a_topic_nor_of_the_fallback_is_present_the_fallbacks_first_gets_it(
) -> None:
    decision = route(routing(away(FRIDA, SAMIR, DORA, OTTO, OLGA)), "health")

    assert decision.topic == HEALTH
    assert decision.contact == OTTO
    assert decision.reasons[-3:] == ("otto is absent on 2025-03-03",
                                     "olga is absent on 2025-03-03",
                                     "nobody of 'other' is present: otto anyway")


def test_an_unknown_topic_when_nobody_of_the_fallback_is_present_still_reaches_someone() -> None:
    decision = route(routing(away(OTTO, OLGA)), "astrology")

    assert decision.topic == OTHER
    assert decision.contact == OTTO
    assert decision.reasons == ("topic 'astrology' does not exist: fallback topic 'other'",
                                "otto is absent on 2025-03-03",
                                "olga is absent on 2025-03-03",
                                "nobody of 'other' is present: otto anyway")
