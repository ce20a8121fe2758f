"""The screens and emails of issue 12, through app.py's routes against moto: the thank-you
page with the address and the language note, the language switcher without JavaScript,
the error summary's links, the plain-text confirmation, names isolated in right-to-left
text, the form's intro, the favicon and HEAD.

Whatever is a matter of layout (borders, scrolling, what fits a 360 px screen) is checked
in Chromium: tests/end_to_end/test_screens_at_360px.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from chalice.test import Client

from chalicelib.core.languages import LANGUAGES
from chalicelib.core.routing import Topic
from chalicelib.core.routing_file import bundled_routing
from tests.support.emulator import Emulator
from tests.support.fakes import InMemoryInquiryStore

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
RESIDENT = "amal.haddad@example.org"
ROUTING = bundled_routing()
RIGHT_TO_LEFT = [code for code, language in LANGUAGES.items() if language.direction == "rtl"]
# Every contact of the bundled routing answers in German and English only.
NOT_SPOKEN = [code for code in LANGUAGES if code not in ("de", "en")]
LANGUAGE_NOTE = {
    "en": "nobody for this topic speaks your language",
    "ar": "لا يوجد حاليًا أحد يتحدث لغتك",
    "tr": "sizin dilinizi konuşan kimse yok",
}


def send_form(client: Client, aws: Emulator, language: str, **fields: str) -> str:
    """Send the form as a browser does; the Location of the 303."""
    body = urlencode({"name": "Amal", "email": RESIDENT, "topic": "work",
                      "message": "Ich suche Arbeit.", "language": language,
                      "form_token": aws.form_token(), **fields})
    response = client.http.post("/inquiries", headers=FORM, body=body)
    assert response.status_code == 303
    return str(response.headers["Location"])


def page(client: Client, location: str) -> str:
    response = client.http.get("/" + location)
    assert response.status_code == 200
    return str(response.body.decode())


def without_token(location: str) -> str:
    return re.sub(r"&t=[^&]*", "", location)


# --------------------------------------------------- 3. the address on the thank-you page


def test_the_thank_you_page_shows_the_address_the_confirmation_goes_to(
    client: Client, aws: Emulator
) -> None:
    location = send_form(client, aws, "en")

    html = page(client, location)
    assert f'<p class="address"><span dir="ltr">{RESIDENT}</span></p>' in html
    assert "We send the confirmation and the answer to this email address:" in html
    assert "Is this address wrong?" in html


def test_the_address_never_goes_into_the_url_only_a_token_for_the_reference(
    client: Client, aws: Emulator
) -> None:
    location = send_form(client, aws, "en")

    assert "amal" not in location.lower() and "%40" not in location and "@" not in location
    query = parse_qs(urlsplit(location).query)
    assert query["topic"] == ["work"]
    assert re.fullmatch(r"\d+\.[A-Za-z0-9_-]{43}", query["t"][0])


@pytest.mark.parametrize("spoil", [
    pytest.param(without_token, id="no token"),
    pytest.param(lambda location: location[:-3] + "xyz", id="a forged token"),
    pytest.param(lambda location: location.replace("&t=", "&t=1"), id="a stretched expiry"),
])
def test_without_a_valid_token_the_thank_you_page_shows_no_address(
    spoil: Callable[[str], str], client: Client, aws: Emulator
) -> None:
    location = spoil(send_form(client, aws, "en"))

    html = page(client, location)
    assert "Thank you. Your inquiry has arrived." in html
    assert RESIDENT not in html
    assert "We send the confirmation and the answer" not in html


def test_the_token_of_one_inquiry_does_not_show_the_address_of_another(
    client: Client, aws: Emulator
) -> None:
    first = send_form(client, aws, "en")
    second = send_form(client, aws, "en", email="someone.else@example.org")
    first_token = parse_qs(urlsplit(first).query)["t"][0]
    second_path = urlsplit(second).path

    html = page(client, f"{second_path}?topic=work&t={first_token}")
    assert "someone.else@example.org" not in html
    assert RESIDENT not in html


def test_after_an_hour_the_thank_you_page_no_longer_shows_the_address(
    client: Client, aws: Emulator
) -> None:
    location = send_form(client, aws, "en")
    aws.clock.advance(minutes=61)

    html = page(client, location)
    assert "Thank you. Your inquiry has arrived." in html
    assert RESIDENT not in html


def test_when_the_store_cannot_be_read_the_thank_you_page_still_answers_without_the_address(
    client: Client, aws: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    store = InMemoryInquiryStore()
    aws.serve(store=store)
    location = send_form(client, aws, "en")
    store.unavailable = True

    html = page(client, location)
    assert "Thank you. Your inquiry has arrived." in html
    assert RESIDENT not in html
    assert "thank-you page for" in caplog.text and "the store is unavailable" in caplog.text


def test_the_language_links_of_the_thank_you_page_keep_the_address_shown(
    client: Client, aws: Emulator
) -> None:
    location = send_form(client, aws, "en")
    token = parse_qs(urlsplit(location).query)["t"][0]

    html = page(client, location)
    reference = urlsplit(location).path.rsplit("/", 1)[1]
    link = f'href="../../de/thanks/{reference}?topic=work&amp;t={token}"'
    assert link in html
    german = page(client, f"de/thanks/{reference}?topic=work&t={token}")
    assert RESIDENT in german
    assert "Die Bestätigung und die Antwort schicken wir an diese E-Mail-Adresse:" in german


def test_a_bots_decoy_thank_you_page_is_the_page_without_the_address(
    client: Client, aws: Emulator
) -> None:
    location = send_form(client, aws, "ar", website="http://spam.example")

    html = page(client, location)
    assert aws.stored_inquiries() == []
    assert RESIDENT not in html
    assert LANGUAGE_NOTE["ar"] in html, "and like every page in Arabic, the language note"


# ------------------------------------------------ 3. when the answer may not be in your language


@pytest.mark.parametrize("language", NOT_SPOKEN)
def test_the_thank_you_page_says_the_answer_may_come_in_german_or_english(
    language: str, client: Client, aws: Emulator
) -> None:
    location = send_form(client, aws, language)

    html = page(client, location)
    assert '<li class="language-note">' in html
    if language in LANGUAGE_NOTE:
        assert LANGUAGE_NOTE[language] in html


@pytest.mark.parametrize("language", ["de", "en"])
def test_no_language_note_when_the_contact_speaks_the_residents_language(
    language: str, client: Client, aws: Emulator
) -> None:
    html = page(client, send_form(client, aws, language))

    assert 'class="language-note"' not in html


def test_the_language_note_follows_the_decision_stored_with_the_inquiry(
    client: Client, aws: Emulator
) -> None:
    store = InMemoryInquiryStore()
    aws.serve(store=store)
    location = send_form(client, aws, "ar")
    reference = urlsplit(location).path.rsplit("/", 1)[1]
    assert store.entry(reference).record.recipient.speaks_resident_language is False

    # Shown in German (which the contact speaks), it still concerns the Arabic inquiry.
    german = page(client, location.replace("ar/thanks/", "de/thanks/", 1))
    assert 'class="language-note"' in german
    assert "Zurzeit spricht bei diesem Thema niemand Ihre Sprache." in german


# --------------------------------------------------------- 4. switching language keeps the text


def switch_to(client: Client, language: str, fields: dict[str, str]) -> tuple[int, str]:
    response = client.http.post(f"/{language}", headers=FORM, body=urlencode(fields))
    return response.status_code, str(response.body.decode())


def test_the_forms_languages_are_buttons_that_post_the_form_to_their_language(
    client: Client,
) -> None:
    html = page(client, "de")

    assert '<form id="inquiry" method="post" action="inquiries"' in html
    for code, language in LANGUAGES.items():
        assert (f'<button type="submit" form="inquiry" formaction="{code}" formnovalidate '
                f'lang="{code}"') in html
        assert f">{language.endonym}</button>" in html


def test_switching_language_shows_the_form_again_with_every_value_kept_and_stores_nothing(
    client: Client, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    token = aws.form_token()
    fields = {"name": "Amal <Haddad>", "email": RESIDENT, "topic": "culture",
              "message": "Gibt es\nSprachcafés?", "language": "de", "form_token": token,
              "website": ""}

    status, html = switch_to(client, "ar", fields)

    assert status == 200
    assert '<html lang="ar" dir="rtl">' in html
    assert 'value="Amal &lt;Haddad&gt;"' in html
    assert f'value="{RESIDENT}"' in html
    assert 'value="culture" checked' in html
    assert ">Gibt es\nSprachcafés?</textarea>" in html
    assert f'name="form_token" value="{token}"' in html, "the same form, the same reference"
    assert '<input type="hidden" name="language" value="ar">' in html
    assert 'class="error' not in html, "no errors: nothing was sent"
    assert aws.items() == [], "nothing stored, not even a rate-limit count"
    assert aws.queued_messages() == 0
    assert deliver_queued() == 0
    assert aws.sent() == []


def test_switching_language_many_times_never_counts_against_the_rate_limit(
    client: Client, aws: Emulator
) -> None:
    fields = {"email": RESIDENT, "topic": "work", "message": "Hallo", "form_token": ""}
    for code in [*LANGUAGES, *LANGUAGES, *LANGUAGES]:
        assert switch_to(client, code, fields)[0] == 200

    assert aws.items() == []
    send_form(client, aws, "de")  # and the inquiry itself still goes through


def test_a_form_sent_after_switching_language_is_accepted_in_the_new_language(
    client: Client, aws: Emulator
) -> None:
    fields = {"email": RESIDENT, "topic": "work", "message": "Ich suche Arbeit.",
              "language": "de", "form_token": aws.form_token()}
    _, html = switch_to(client, "uk", fields)
    kept = dict(re.findall(r'name="(form_token|language)" value="([^"]*)"', html))

    response = client.http.post("/inquiries", headers=FORM,
                                body=urlencode({**fields, **kept}))

    assert response.status_code == 303
    assert response.headers["Location"].startswith("uk/thanks/")


def test_a_form_token_that_can_no_longer_be_sent_is_replaced_on_switching(
    client: Client, aws: Emulator
) -> None:
    old = aws.form_token()
    aws.clock.advance(hours=25)

    _, html = switch_to(client, "en", {"message": "Noch da", "form_token": old})

    assert ">Noch da</textarea>" in html
    token = re.search(r'name="form_token" value="([^"]+)"', html)
    assert token is not None and token.group(1) != old


def test_switching_to_an_unknown_language_is_the_404_page_that_lists_the_languages(
    client: Client, aws: Emulator
) -> None:
    status, html = switch_to(client, "xx", {"message": "Hallo", "form_token": ""})

    assert status == 404
    for language in LANGUAGES.values():
        assert language.endonym in html
    assert aws.items() == []


def test_switching_language_with_an_unreadable_body_shows_the_empty_form(client: Client) -> None:
    response = client.http.post("/tr", headers=FORM, body=b"\xff\xfe message=%%%")

    assert response.status_code == 200
    assert '<html lang="tr" dir="ltr">' in response.body.decode()


# --------------------------------------------------- 2. the error summary links to the groups


def test_the_error_summary_links_to_each_fields_group_with_its_label_inside(
    client: Client, aws: Emulator
) -> None:
    body = urlencode({"name": "x" * 201, "email": "not-an-address", "message": "",
                      "language": "en", "form_token": aws.form_token()})
    html = client.http.post("/inquiries", headers=FORM, body=body).body.decode()

    targets = re.findall(r'<li><a href="#([^"]+)">', html)
    assert targets == ["name-group", "email-group", "topic", "message-group"]
    for field, target in [("name", "name-group"), ("email", "email-group"),
                          ("message", "message-group")]:
        group = re.search(rf'<div class="field" id="{target}">(.*?)</div>', html, re.S)
        assert group is not None, target
        assert f'<label for="{field}">' in group.group(1)
        assert f'id="{field}-error"' in group.group(1)
    fieldset = re.search(r'<fieldset class="field" id="topic"[^>]*>(.*?)</fieldset>', html, re.S)
    assert fieldset is not None and "<legend>" in fieldset.group(1)
    assert 'id="topic-error"' in fieldset.group(1)


# ------------------------------------------------ 5. the plain-text confirmation, line by line


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_each_next_step_of_the_plain_text_confirmation_is_a_line_of_its_own(
    language: str, client: Client, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    send_form(client, aws, language)
    deliver_queued()
    (confirmation,) = [e for e in aws.sent() if e.recipients == (RESIDENT,)]

    lines = [line.strip("\u200f") for line in confirmation.text.splitlines()]
    steps = [line for line in lines if line.startswith("- ")]
    assert len(steps) == 3, steps
    assert all(" - " not in step and ".- " not in step for step in steps)


# ---------------------------------------------- 6. Latin names isolated in right-to-left pages


class DirectionOfText(HTMLParser):
    """For each text of a page: is it inside an element that isolates it left to right
    (<bdi>, or any element with dir="ltr")?"""

    VOID = frozenset({"br", "input", "meta", "link", "img", "hr", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[bool] = []
        self.texts: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.open.append(tag == "bdi" or dict(attrs).get("dir") == "ltr")

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        self.texts.append((data, any(self.open)))


def texts_not_isolated(html: str, names: list[str]) -> list[str]:
    parser = DirectionOfText()
    parser.feed(html)
    return [text for text, isolated in parser.texts
            if not isolated and any(name in text for name in names)]


ORGANISATIONS = [organisation.name for organisation in ROUTING.organisations.values()]
CONTACTS = [contact.name for contact in ROUTING.contacts.values()]


@pytest.mark.parametrize("language", RIGHT_TO_LEFT)
def test_on_right_to_left_pages_every_german_name_is_isolated(
    language: str, client: Client, aws: Emulator
) -> None:
    names = ORGANISATIONS + CONTACTS
    privacy = page(client, f"{language}/privacy")
    thanks = page(client, send_form(client, aws, language, topic="education"))

    assert "Integration in Flensburg e.V." in privacy
    assert "Anna Meier" in thanks and "Integration in Flensburg e.V." in thanks
    assert texts_not_isolated(privacy, names) == []
    assert texts_not_isolated(thanks, names) == []


@pytest.mark.parametrize("language", RIGHT_TO_LEFT)
def test_the_right_to_left_confirmation_isolates_the_contact_and_the_organisation(
    language: str, client: Client, aws: Emulator, deliver_queued: Callable[[], int]
) -> None:
    send_form(client, aws, language, topic="education")
    deliver_queued()
    (confirmation,) = [e for e in aws.sent() if e.recipients == (RESIDENT,)]

    assert texts_not_isolated(confirmation.html, ORGANISATIONS + CONTACTS) == []
    assert "\u2068Integration in Flensburg e.V.\u2069" in confirmation.text
    assert "\u2068Anna Meier\u2069" in confirmation.text


# ------------------------------------------------------- 8. the intro names no fixed topics


def test_the_forms_intro_lists_no_topics_so_a_new_topic_is_never_missing_from_it(
    client: Client, aws: Emulator
) -> None:
    housing = Topic(key="housing", labels={code: "Housing" for code in LANGUAGES},
                    contacts=(ROUTING.contacts["stefan-schulz"],))
    with_housing = replace(ROUTING, topics={**ROUTING.topics, "housing": housing})
    aws.serve(routing=lambda: with_housing)

    html = page(client, "en")

    assert '<label for="topic-housing">Housing</label>' in html
    intro = re.search(r"</h1>\s*<p>(.*?)</p>", html, re.S)
    assert intro is not None
    words_of_labels = {word.lower() for topic in with_housing.topics.values()
                       for word in re.findall(r"\w{4,}", topic.label("en"))} - {"about"}
    assert [w for w in re.findall(r"\w+", intro.group(1).lower()) if w in words_of_labels] == []


# ------------------------------------------------------------------ 9. favicon and HEAD


def test_the_favicon_is_a_small_icon_of_our_own_cached_for_a_week(client: Client) -> None:
    response = client.http.get("/favicon.ico")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert "max-age=604800" in response.headers["Cache-Control"]
    assert response.body.startswith(b"<svg") and len(response.body) < 1024
    assert b"http" not in response.body.replace(b"http://www.w3.org/2000/svg", b"")


@pytest.mark.parametrize("path", ["de", "ar/privacy", "xx"])
def test_every_page_links_its_icon_relative_to_the_api_root(client: Client, path: str) -> None:
    html = client.http.get(f"/{path}").body.decode()

    assert re.search(r'<link rel="icon" href="(\.\./)*favicon\.ico" type="image/svg\+xml">', html)


@pytest.mark.parametrize("path", ["/", "/ar"])
def test_head_answers_like_get_without_a_body(client: Client, path: str) -> None:
    get = client.http.get(path)
    head = client.http.request("HEAD", path)

    assert head.status_code == get.status_code == 200
    assert head.headers["Content-Type"] == get.headers["Content-Type"] == \
        "text/html; charset=utf-8"
    assert head.headers["Content-Security-Policy"] == get.headers["Content-Security-Policy"]
    assert head.body == b""


def test_head_of_an_unknown_language_is_a_404_without_a_body(client: Client) -> None:
    head = client.http.request("HEAD", "/xx")

    assert head.status_code == 404
    assert head.body == b""
