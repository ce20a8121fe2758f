"""The privacy notice (Art. 13 GDPR) in every language: one test per item the article asks
for, each reading the item off the served page, in the words a resident reads there.

Each test fails when its item is taken off the page (tests/functional is run against
privacy.html with each section removed in turn: see the closing note of issue 12). What
is the city's to fill in is read from the [privacy] table the page is served with.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

import pytest
from chalice.test import Client

from chalicelib.core.languages import LANGUAGES
from chalicelib.core.routing import RoutingConfig
from chalicelib.core.routing_file import BUNDLED_ROUTING_FILE, bundled_routing, parse_routing_text
from chalicelib.core.templating import catalog
from tests.support.emulator import Emulator

ALL_LANGUAGES = list(LANGUAGES)
ROUTING = bundled_routing()
PRIVACY = ROUTING.privacy


def visible(html: str) -> str:
    """The text a reader sees: without tags (a line or block break is a space), entities
    resolved, spaces collapsed."""
    text = re.sub(r"<(?:br|/?(?:p|li|ul|ol|h\d|section|div))\b[^>]*>", " ", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", "", text)).split())


def said(language: str, msgid: str, **values: object) -> str:
    """A text of the catalogs as the page says it in `language`, with its values."""
    return visible(catalog(language).gettext(msgid) % values)


def said_n(language: str, singular: str, plural: str, count: int, **values: object) -> str:
    text = catalog(language).ngettext(singular, plural, count)
    return visible(text % {"count": count, **values})


def section(html: str, name: str) -> str:
    """The visible text of one section of the notice, such as "dpo"."""
    found = re.search(rf'<section id="{name}"[^>]*>(.*?)</section>', html, re.DOTALL)
    assert found is not None, f"the notice has no section {name!r}"
    return visible(found.group(1))


@pytest.fixture
def notice(client: Client) -> Callable[[str], str]:
    def fetch(language: str) -> str:
        response = client.http.get(f"/{language}/privacy")
        assert response.status_code == 200
        return str(response.body.decode())

    return fetch


@pytest.fixture
def use_routing(aws: Emulator) -> Callable[[Callable[[str], str]], None]:
    """Serve the bundled routing file with an edit of its text."""
    def use(edit: Callable[[str], str]) -> None:
        config: RoutingConfig = parse_routing_text(edit(BUNDLED_ROUTING_FILE.read_text("utf-8")))
        aws.serve(routing=lambda: config)

    return use


# ---------------------------------------------------------- Art. 13(1)(a), (b)


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_controller_is_the_city_as_legal_entity_with_its_address_and_office_mailbox(
    language: str, notice: Callable[[str], str]
) -> None:
    controller = section(notice(language), "controller")

    assert PRIVACY.legal_entity == "Stadt Flensburg"
    assert controller.startswith(f"{said(language, 'Who is responsible')} Stadt Flensburg ")
    assert PRIVACY.address in controller
    assert PRIVACY.email in controller
    assert "Amt für Integration" not in controller, "an office is no legal entity"
    assert "schulz.stefan" not in controller, "no person's own mailbox"


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_data_protection_officer_can_be_reached_by_post_and_email(
    language: str, notice: Callable[[str], str]
) -> None:
    dpo = section(notice(language), "dpo")

    assert said(language, "Data protection officer") in dpo
    assert said(language, "You can also write to our data protection officer:") in dpo
    assert PRIVACY.dpo_address in dpo
    assert PRIVACY.dpo_email in dpo
    assert f'href="mailto:{PRIVACY.dpo_email}"' in notice(language)


# ------------------------------------------------------------ Art. 13(1)(c)


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_only_purpose_is_to_answer_the_inquiry(
    language: str, notice: Callable[[str], str]
) -> None:
    purposes = section(notice(language), "purposes")

    assert said(language, "We use your name, your email address, your topic and your message "
                "only to answer your inquiry.") in purposes


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_legal_basis_is_the_public_task_and_the_national_provision_it_rests_on(
    language: str, notice: Callable[[str], str]
) -> None:
    basis = section(notice(language), "legal-basis")

    assert "LDSG" in PRIVACY.legal_basis
    assert said(language, "Answering residents is a task in the public interest (Art. 6(1)(e) "
                "GDPR together with %(provision)s).", provision=PRIVACY.legal_basis) in basis


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_health_inquiries_rest_on_explicit_consent_stored_with_its_time(
    language: str, notice: Callable[[str], str]
) -> None:
    basis = section(notice(language), "legal-basis")
    health = ROUTING.topics["health"].label(language)

    assert said(language, "Inquiries about %(topics)s usually contain information about your "
                "health. For them we also ask for your explicit consent (Art. 9(2)(a) GDPR). "
                "The form asks for it with a checkbox. We store your consent and its time with "
                "your inquiry.", topics=health) in basis


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_notice_says_how_to_withdraw_consent_and_that_what_was_done_before_stays_lawful(
    language: str, notice: Callable[[str], str]
) -> None:
    withdraw = section(notice(language), "consent")

    assert said(language, "You can withdraw your consent at any time. You do not have to give "
                "a reason. Write to %(email)s and give your reference number. We then delete "
                "your inquiry.", email=PRIVACY.email) in withdraw
    assert said(language, "What we did with your data before you withdrew stays lawful "
                "(Art. 7(3) GDPR).") in withdraw


def test_without_a_topic_that_asks_for_consent_the_notice_says_nothing_of_consent(
    use_routing: Callable[[Callable[[str], str]], None], notice: Callable[[str], str]
) -> None:
    use_routing(lambda text: text.replace("special_category = true", "special_category = false"))

    html = notice("en")

    assert 'id="consent"' not in html
    assert "Art. 9(2)(a)" not in html
    assert "Art. 20" not in html, "portability is a right where consent is the basis"


# ------------------------------------------------------ Art. 13(1)(e), Art. 26


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_notice_says_how_the_association_and_the_red_cross_stand_to_the_city(
    language: str, notice: Callable[[str], str]
) -> None:
    recipients = section(notice(language), "recipients")
    joint = said(language, "jointly responsible with %(controller)s (Art. 26 GDPR). You can use "
                 "your rights with either of them. On request, we send you the main points of "
                 "our agreement.", controller="Stadt Flensburg")
    separate = said(language, "answers the inquiries on its topics on its own responsibility. "
                    "Once it has received your inquiry, it is responsible for your data itself.")
    own = said(language, "part of %(controller)s, the controller.", controller="Stadt Flensburg")

    assert dict(PRIVACY.partners) == {"verein": "joint", "drk": "separate"}
    assert f"Integration in Flensburg e.V.: {joint}" in recipients
    assert f"Deutsches Rotes Kreuz: {separate}" in recipients
    assert f"Stadt Flensburg, Amt für Integration: {own}" in recipients


def test_a_partner_that_is_a_processor_is_named_as_one(
    use_routing: Callable[[Callable[[str], str]], None], notice: Callable[[str], str]
) -> None:
    use_routing(lambda text: text.replace('partners.drk = "PLACEHOLDER: separate"',
                                          'partners.drk = "processor"'))

    recipients = section(notice("de"), "recipients")

    assert "Deutsches Rotes Kreuz: " + said(
        "de", "answers inquiries for %(controller)s and only on its instructions "
        "(Art. 28 GDPR).", controller="Stadt Flensburg") in recipients


# ----------------------------------------------------------- Art. 13(1)(e)


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_recipients_are_the_contact_person_and_whoever_stands_in_for_them(
    language: str, notice: Callable[[str], str]
) -> None:
    recipients = section(notice(language), "recipients")

    assert said(language, "Your inquiry goes to the contact person for your topic. If they are "
                "away, the person who stands in for them receives it. They work at one of these "
                "organisations:") in recipients
    for organisation in ROUTING.organisations.values():
        assert organisation.name in recipients


def test_a_topic_with_copies_names_where_the_copies_go(
    use_routing: Callable[[Callable[[str], str]], None], notice: Callable[[str], str]
) -> None:
    use_routing(lambda text: text.replace(
        '[topics.work]\ncontacts = ["stefan-schulz"]',
        '[topics.work]\ncontacts = ["stefan-schulz"]\ncc = ["team@flensburg.de"]'))

    recipients = section(notice("ar"), "recipients")

    assert said("ar", "Inquiries about %(topic)s: a copy also goes to %(addresses)s.",
                topic="العمل والمهنة", addresses="team@flensburg.de") in recipients


def test_without_copies_the_notice_names_none(notice: Callable[[str], str]) -> None:
    assert not any(topic.cc for topic in ROUTING.topics.values())

    assert "a copy also goes to" not in section(notice("en"), "recipients")


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_processor_its_contract_the_region_and_the_safeguards_are_named(
    language: str, notice: Callable[[str], str]
) -> None:
    processor = section(notice(language), "processor")

    assert said(language, "%(processor)s stores the data and sends the emails for us. It works "
                "only on our instructions, under a contract for processing on behalf (Art. 28 "
                "GDPR).", processor="Amazon Web Services EMEA SARL") in processor
    assert said(language, "The data is stored in Frankfurt am Main, Germany (the AWS region "
                "%(region)s). It stays in the European Union.", region="eu-central-1") in processor
    assert said(language, "Should staff of Amazon in the USA ever have access to it, for "
                "example to repair a fault, it is protected there too: Amazon is certified under "
                "the EU-US Data Privacy Framework (Art. 45 GDPR), and the EU standard contractual "
                "clauses apply (Art. 46 GDPR).") in processor


# ------------------------------------------------------------ Art. 13(2)(a)


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_each_retention_is_at_the_latest_after_its_days_health_90_and_the_others_180(
    language: str, notice: Callable[[str], str]
) -> None:
    retention = section(notice(language), "retention")
    health = ROUTING.topics["health"].label(language)

    assert said_n(language, "Inquiries about %(topics)s: we delete them automatically, at the "
                  "latest after %(count)s day.", "Inquiries about %(topics)s: we delete them "
                  "automatically, at the latest after %(count)s days.", 90,
                  topics=health) in retention
    assert said_n(language, "All other inquiries: we delete them automatically, at the latest "
                  "after %(count)s day.", "All other inquiries: we delete them automatically, "
                  "at the latest after %(count)s days.", 180) in retention
    assert said(language, "The contact person keeps your emails only as long as they need them "
                "to help you.") in retention


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_name_address_and_message_go_when_the_loop_closes_14_days_after_the_last_step(
    language: str, notice: Callable[[str], str]
) -> None:
    retention = section(notice(language), "retention")

    assert said(language, "Your name, email address, phone number and message go sooner, "
                "as soon as your "
                "inquiry is closed: when you tell us that you got an answer, or when you ask "
                "us on its status page to erase it. Until the time above, only the reference, "
                "the topic, the language, the dates and the steps remain.") in retention
    assert said_n(language, "Otherwise they go %(count)s day after our last step (our question "
                  "whether you got an answer, or passing your inquiry on).", "Otherwise they go "
                  "%(count)s days after our last step (our question whether you got an answer, "
                  "or passing your inquiry on).", 14) in retention


def test_when_every_topic_keeps_as_long_the_notice_says_it_once(
    use_routing: Callable[[Callable[[str], str]], None], notice: Callable[[str], str]
) -> None:
    use_routing(lambda text: text.replace("retention_days = 90", "retention_days = 180"))

    retention = section(notice("ru"), "retention")

    assert retention.count("180") == 1
    assert said_n("ru", "We delete your inquiry automatically, at the latest after %(count)s "
                  "day.", "We delete your inquiry automatically, at the latest after %(count)s "
                  "days.", 180) in retention


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_salted_hashes_kept_against_misuse_are_named_with_how_long(
    language: str, notice: Callable[[str], str]
) -> None:
    hashes = section(notice(language), "hashes")

    assert said(language, "We also keep some data in a coded form (a salted hash). It cannot be "
                "turned back into your address, and it holds neither your name nor your "
                "message:") in hashes
    assert said(language, "your internet address (IP address), for one hour: so that one device "
                "cannot send too many inquiries. Then it is deleted.") in hashes
    assert said(language, "your email address, for one day: so that one address gets only a few "
                "confirmations a day.") in hashes
    assert said_n(language, "your email address, for %(count)s day, if an email to it could not "
                  "be delivered or was marked as spam: then we send it no more confirmations.",
                  "your email address, for %(count)s days, if an email to it could not be "
                  "delivered or was marked as spam: then we send it no more confirmations.",
                  30) in hashes


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_deleted_data_stays_in_the_backups_for_up_to_35_days(
    language: str, notice: Callable[[str], str]
) -> None:
    backups = section(notice(language), "backups")

    assert said_n(language, "After we delete data, it stays in the backup of the database for up "
                  "to %(count)s day. Then it is gone for good. We use the backup only to repair "
                  "the database after a fault.", "After we delete data, it stays in the backup of "
                  "the database for up to %(count)s days. Then it is gone for good. We use the "
                  "backup only to repair the database after a fault.", 35) in backups


# ------------------------------------------------------ Art. 13(2)(b), (d), (e), (f)


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_rights_include_portability_where_consent_is_the_basis_and_where_to_write(
    language: str, notice: Callable[[str], str]
) -> None:
    rights = section(notice(language), "rights")

    assert said(language, "You can ask us which data we have about you. You can ask us to "
                "correct or delete it, or to use it less (Art. 15 to 18 GDPR). You can object to "
                "its use (Art. 21 GDPR).") in rights
    assert said(language, "Where your consent is the legal basis, you can also ask us for your "
                "data in a common, machine-readable format (Art. 20 GDPR).") in rights
    assert said(language, "To use your rights, write to %(email)s.", email=PRIVACY.email) in rights
    assert said(language, "You do not have to give your name. We need your email address to "
                "answer you.") in rights


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_supervisory_authority_is_named_with_its_address_in_kiel(
    language: str, notice: Callable[[str], str]
) -> None:
    complaint = section(notice(language), "complaint")

    assert said(language, "You can complain to the data protection authority of "
                "Schleswig-Holstein:") in complaint
    assert ("Unabhängiges Landeszentrum für Datenschutz Schleswig-Holstein (ULD) "
            "Holstenstraße 98, 24103 Kiel") in complaint
    assert "mail@datenschutzzentrum.de" in complaint


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_notice_says_no_automated_decision_is_made_about_the_resident(
    language: str, notice: Callable[[str], str]
) -> None:
    purposes = section(notice(language), "purposes")

    assert said(language, "A program chooses the contact person from your topic and your "
                "language. It makes no decision about you (Art. 22 GDPR).") in purposes


@pytest.mark.parametrize("language", ["ar", "fa"])
def test_names_and_addresses_keep_their_latin_script_isolated_in_right_to_left_pages(
    language: str, notice: Callable[[str], str]
) -> None:
    html = notice(language)

    assert f"<bdi>{PRIVACY.legal_entity}</bdi>" in html
    assert f"<bdi>{PRIVACY.dpo_address}</bdi>" in html
    assert "<bdi>Amazon Web Services EMEA SARL</bdi>" in html
    assert f'<a href="mailto:{PRIVACY.email}" dir="ltr">' in html


# ------------------------------------------------------ the form, truthfully


RECEIVED_BY = ("We use your data only to answer your inquiry. It goes to the contact person for "
               "your topic. If they are away, the person who stands in for them receives it.")
COPIES = "For some topics, colleagues receive a copy."
PROCESSOR = "%(processor)s stores and sends it for us."


def form_privacy_line(client: Client, language: str) -> str:
    html = client.http.get(f"/{language}").body.decode()
    found = re.search(r'<p class="privacy">(.*?)</p>', html, re.DOTALL)
    assert found is not None
    return visible(found.group(1))


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_form_says_the_deputy_and_the_processor_receive_an_inquiry_too(
    language: str, client: Client
) -> None:
    line = form_privacy_line(client, language)

    assert line.startswith(said(language, RECEIVED_BY))
    assert said(language, PROCESSOR, processor="Amazon Web Services") in line
    assert said(language, COPIES) not in line, "no topic of the bundled file has copies"
    assert "Only the contact person" not in line


def test_with_a_topic_that_sends_copies_the_form_says_colleagues_get_one(
    use_routing: Callable[[Callable[[str], str]], None], client: Client
) -> None:
    use_routing(lambda text: text.replace(
        '[topics.work]\ncontacts = ["stefan-schulz"]',
        '[topics.work]\ncontacts = ["stefan-schulz"]\ncc = ["team@flensburg.de"]'))

    line = form_privacy_line(client, "uk")

    assert said("uk", COPIES) in line
