"""The admin's routing rules as residents and contact persons meet them: absences and
deputies, copies, response times, next steps and urgent hints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from chalice.test import Client

from chalicelib.core.languages import LANGUAGES
from chalicelib.core.routing import RoutingConfig
from chalicelib.core.routing_file import BUNDLED_ROUTING_FILE, parse_routing_text
from tests.support.emulator import Emulator, Submit

RESIDENT = "resident@example.org"
TODAY = date.today()


def routing_with(edit: Callable[[str], str]) -> RoutingConfig:
    return parse_routing_text(edit(BUNDLED_ROUTING_FILE.read_text(encoding="utf-8")))


@pytest.fixture
def use_routing(aws: Emulator) -> Callable[[RoutingConfig], None]:
    def use(config: RoutingConfig) -> None:
        aws.serve(routing=lambda: config)

    return use


def test_while_the_contact_is_absent_the_deputy_receives_the_inquiry(
    submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int],
    use_routing: Callable[[RoutingConfig], None],
) -> None:
    absent = f"""
[[absences]]
contact = "andrea-becker"
first_day = {TODAY - timedelta(days=1)}
last_day = {TODAY + timedelta(days=1)}
"""
    use_routing(routing_with(lambda text: text + absent))

    status, answer = submit_json({"email": RESIDENT, "topic": "health", "consent": True,
                                  "message": "Termin?"})

    assert status == 201
    assert answer["organisation"] == "Integration in Flensburg e.V.", "health's deputy is Anna"
    deliver_queued()
    assert sorted(e.recipients[0] for e in aws.sent()) == [
        "info@integration-flensburg.de", RESIDENT]


def test_a_topic_with_a_copy_address_sends_the_staff_email_to_it_too(
    submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int],
    use_routing: Callable[[RoutingConfig], None],
) -> None:
    use_routing(routing_with(lambda text: text.replace(
        '[topics.press]\ncontacts = ["andrea-becker"]',
        '[topics.press]\ncontacts = ["andrea-becker"]\ncc = ["pressestelle@drk.example"]')))

    submit_json({"email": RESIDENT, "topic": "press", "message": "Interview?"})
    deliver_queued()

    (staff,) = [e for e in aws.sent() if e.recipients == ("presse@drk.de",)]
    assert staff.header("Cc") == "pressestelle@drk.example"


def test_the_form_shows_the_urgent_hint_of_health_in_every_language(client: Client) -> None:
    for language, number in [("de", "116117"), ("ar", "116117"), ("fa", "112")]:
        html = client.http.get(f"/{language}").body.decode()
        assert 'id="topic-health-hint"' in html
        assert 'aria-describedby="topic-health-hint"' in html
        assert number in html


def test_the_thank_you_page_and_the_confirmation_name_the_topics_response_time(
    client: Client, submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    status, answer = submit_json({"email": RESIDENT, "topic": "health", "consent": True,
                                  "message": "?", "language": "de"})
    assert status == 201

    page = client.http.get(f"/de/thanks/{answer['reference']}?topic=health").body.decode()
    assert "meist innerhalb von 3 Arbeitstagen" in page
    deliver_queued()
    (confirmation,) = [e for e in aws.sent() if e.recipients == (RESIDENT,)]
    assert "meist innerhalb von 3 Arbeitstagen" in confirmation.text


def test_a_topics_next_steps_appear_in_the_residents_language(
    client: Client, submit_json: Submit, aws: Emulator, deliver_queued: Callable[[], int],
    use_routing: Callable[[RoutingConfig], None],
) -> None:
    steps = "\n".join(f'next_steps.{code} = "STEP-{code}"'
                      for code in LANGUAGES)
    use_routing(routing_with(lambda text: text.replace(
        "[topics.work]\n", f"[topics.work]\n{steps}\n")))

    status, answer = submit_json({"email": RESIDENT, "topic": "work", "message": "?",
                                  "language": "uk"})
    assert status == 201
    page = client.http.get(f"/uk/thanks/{answer['reference']}?topic=work").body.decode()
    assert "STEP-uk" in page
    deliver_queued()
    (confirmation,) = [e for e in aws.sent() if e.recipients == (RESIDENT,)]
    assert "STEP-uk" in confirmation.html
