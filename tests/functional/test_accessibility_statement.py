"""The accessibility statement (BITV 2.0 § 12a, EU Directive 2016/2102) in every language,
binding in German and linked from every page; and Wegweiser explained in Leichte Sprache
(BITV 2.0 § 4), German only, linked from the German form."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

import pytest
from chalice.test import Client

from chalicelib.core.languages import LANGUAGES
from chalicelib.core.routing_file import BUNDLED_ROUTING_FILE, bundled_routing, parse_routing_text
from chalicelib.core.templating import catalog
from tests.support.emulator import Emulator

ALL_LANGUAGES = list(LANGUAGES)
ACCESSIBILITY = bundled_routing().accessibility


def visible(html: str) -> str:
    text = re.sub(r"<(?:br|/?(?:p|li|ul|ol|h\d|section|div))\b[^>]*>", " ", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", "", text)).split())


def said(language: str, msgid: str, **values: object) -> str:
    return visible(catalog(language).gettext(msgid) % values)


@pytest.fixture
def page(client: Client) -> Callable[[str], str]:
    def fetch(path: str) -> str:
        response = client.http.get(path)
        assert response.status_code == 200, path
        return str(response.body.decode())

    return fetch


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_statement_names_its_state_of_compliance_and_what_is_not_yet_accessible(
    language: str, page: Callable[[str], str]
) -> None:
    html = page(f"/{language}/accessibility")
    text = visible(html)

    assert f'<html lang="{language}" dir="{LANGUAGES[language].direction}">' in html
    assert said(language, "These pages meet the requirements (WCAG 2.2, level AA) in part. What "
                "is not yet accessible is listed below.") in text
    assert said(language, "There is no video yet that explains these pages in German Sign "
                "Language.") in text
    assert said(language, "Public bodies must make their websites accessible. The rules for this "
                "are EU Directive 2016/2102 and %(law)s.", law=ACCESSIBILITY.law) in text
    assert ACCESSIBILITY.prepared_on.isoformat() in text


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_statement_says_whom_to_write_about_a_barrier_and_where_to_turn_next(
    language: str, page: Callable[[str], str]
) -> None:
    html = page(f"/{language}/accessibility")
    text = visible(html)

    assert f'href="mailto:{ACCESSIBILITY.feedback_email}"' in html
    assert said(language, "If we do not answer you, or our answer does not help you, you can "
                "turn to the complaints office of Schleswig-Holstein (enforcement procedure):") \
        in text
    assert ("Beschwerdestelle für barrierefreie Informationstechnik bei der Landesbeauftragten "
            "für Menschen mit Behinderung Schleswig-Holstein Karolinenweg 1, 24105 Kiel") in text


@pytest.mark.parametrize("language", [code for code in ALL_LANGUAGES if code != "de"])
def test_a_translated_statement_says_the_german_one_is_binding_and_links_to_it(
    language: str, page: Callable[[str], str]
) -> None:
    html = page(f"/{language}/accessibility")

    assert said(language, "This page is a translation. Only the German version is binding.") \
        in visible(html)
    assert ('<a href="../de/accessibility" hreflang="de" lang="de">Erklärung zur '
            "Barrierefreiheit (Deutsch)</a>") in html


def test_the_german_statement_is_the_binding_one_and_says_no_such_thing(
    page: Callable[[str], str]
) -> None:
    html = page("/de/accessibility")

    assert "<h1>Erklärung zur Barrierefreiheit</h1>" in html
    assert "Übersetzung" not in html


def test_a_statement_of_full_compliance_lists_nothing_as_not_accessible(
    aws: Emulator, page: Callable[[str], str]
) -> None:
    text = BUNDLED_ROUTING_FILE.read_text("utf-8").replace(
        'compliance = "PLACEHOLDER: partial"', 'compliance = "full"')
    config = parse_routing_text(text)
    aws.serve(routing=lambda: config)

    html = page("/en/accessibility")

    assert "These pages meet the requirements: WCAG 2.2, level AA." in html
    assert 'id="not-accessible"' not in html


def test_an_unknown_language_has_no_statement(client: Client) -> None:
    assert client.http.get("/xx/accessibility").status_code == 404


@pytest.mark.parametrize("path", [
    "/de", "/ar", "/tr/privacy", "/fa/accessibility", "/uk/thanks/K7QM-X3PA?topic=work",
    "/de/leichte-sprache",
])
def test_every_page_links_to_the_statement_in_its_own_language(
    path: str, page: Callable[[str], str]
) -> None:
    html = page(path)
    language = re.search(r'<html lang="(\w+)"', html).group(1)  # type: ignore[union-attr]
    depth = path.split("?")[0].count("/") - 1

    assert f'<a href="{"../" * depth}{language}/accessibility">' \
           f'{catalog(language).gettext("Accessibility statement")}</a>' in html


# --------------------------------------------------------------- Leichte Sprache


def test_the_german_form_links_to_leichte_sprache_and_the_others_do_not(
    page: Callable[[str], str]
) -> None:
    assert '<a href="de/leichte-sprache">Leichte Sprache:' in page("/de")
    for language in ALL_LANGUAGES:
        if language != "de":
            assert "leichte-sprache" not in page(f"/{language}")


def test_leichte_sprache_explains_the_service_in_short_german_sentences(
    page: Callable[[str], str]
) -> None:
    html = page("/de/leichte-sprache")
    text = visible(html)

    assert '<html lang="de" dir="ltr">' in html
    assert "<h1>Der Wegweiser in Leichter Sprache</h1>" in html
    for sentence in ("Der Wegweiser ist ein Formular im Internet.",
                     "Die Stadt Flensburg macht den Wegweiser.",
                     "Klicken Sie auf den Knopf: Senden.",
                     "Das Formular ist nicht für Notfälle.",
                     "Bitte klicken Sie das Kästchen an.",
                     "Dann löschen wir Ihre Frage."):
        assert sentence in text
    assert ACCESSIBILITY.feedback_email in text
    assert 'href="../de/accessibility"' in html and 'href="../de/privacy"' in html
    # Leichte Sprache: short sentences, one thought each, each on a line of its own.
    body = html[html.index('<div class="easy-read-page">'):html.index("</main>")]
    lines = [visible(line) for line in re.split(r"<br>|</?(?:p|li|h\d)\b[^>]*>", body)]
    sentences = [s for line in lines for s in re.split(r"(?<=[.?!:])\s", line) if s]
    assert len(sentences) > 40
    assert max(len(sentence.split()) for sentence in sentences) <= 10


@pytest.mark.parametrize("language", [code for code in ALL_LANGUAGES if code != "de"])
def test_leichte_sprache_in_another_language_leads_to_the_german_page(
    language: str, client: Client
) -> None:
    response = client.http.get(f"/{language}/leichte-sprache")

    assert response.status_code == 303
    assert response.headers["Location"] == "../de/leichte-sprache"


def test_leichte_sprache_in_an_unknown_language_is_not_found(client: Client) -> None:
    assert client.http.get("/xx/leichte-sprache").status_code == 404
