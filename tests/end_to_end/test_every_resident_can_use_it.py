"""The form in all seven languages, in real headless Chromium: WCAG 2.2 AA by axe-core,
right-to-left where it must be, usable by keyboard alone and on a 320 px screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from chalicelib.core.languages import LANGUAGES
from tests.end_to_end.conftest import SCREENSHOTS, BrowserSession, Runner

ALL_LANGUAGES = list(LANGUAGES)
# WCAG 2.2 AA (GOV.UK's standard): the axe-core bundled in axe-playwright-python (4.12) knows
# the wcag22aa rules (target-size among them).
WCAG_22_AA = {"runOnly": {"type": "tag",
                          "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}


def violations(page: Page) -> list[str]:
    results: Any = Axe().run(page, options=WCAG_22_AA)
    return [
        f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
    ]


def fill_and_send(page: Page, topic_index: int = 0) -> None:
    page.fill("#name", "Amal")
    page.fill("#email", "amal@example.org")
    page.locator("input[name=topic]").nth(topic_index).check()
    page.fill("#message", "مرحبا، أبحث عن دورة لغة.\nGuten Tag.")
    page.wait_for_timeout(1100)  # longer than the runner's MIN_FILL_SECONDS
    page.click("#send")


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_form_has_its_language_direction_and_a_button_for_every_other_language(
    language: str, phone: BrowserSession, runner: Runner
) -> None:
    page = phone.page
    response = page.goto(runner.form_url + language)
    assert response is not None and response.status == 200

    html = page.locator("html")
    assert html.get_attribute("lang") == language
    assert html.get_attribute("dir") == LANGUAGES[language].direction
    # On the form the languages are buttons: they keep what was typed (POST /{lang}).
    buttons = page.locator("nav .languages button")
    assert sorted(buttons.evaluate_all("bs => bs.map(b => b.getAttribute('lang'))")) == \
        sorted(ALL_LANGUAGES)
    for code, language_info in LANGUAGES.items():
        button = page.locator(f'nav button[lang="{code}"]')
        assert button.inner_text() == language_info.endonym
        assert button.get_attribute("formaction") == code


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_form_its_error_state_and_the_thank_you_page_pass_axe(
    language: str, phone: BrowserSession, runner: Runner
) -> None:
    page = phone.page
    page.goto(runner.form_url + language)
    assert violations(page) == [], "the form"

    page.click("#send")  # everything empty
    assert page.locator("#error-summary").is_visible()
    assert violations(page) == [], "the error state"

    fill_and_send(page)
    page.wait_for_url(re.compile(rf"/{language}/thanks/"))
    assert violations(page) == [], "the thank-you page"


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_a_failed_submit_moves_the_focus_to_the_error_summary_with_links_to_the_fields(
    language: str, phone: BrowserSession, runner: Runner
) -> None:
    page = phone.page
    page.goto(runner.form_url + language)
    page.fill("#message", "Mein Text bleibt.")
    page.wait_for_timeout(1100)  # longer than the runner's MIN_FILL_SECONDS
    page.click("#send")

    # autofocus takes effect once the page has loaded: no script needed.
    # Not wait_for_function: its polling evaluates a string, which the pages' CSP
    # (no 'unsafe-eval') refuses whenever the first look is too early.
    expect(page.locator("#error-summary")).to_be_focused(timeout=5000)
    targets = page.locator("#error-summary a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    assert targets == ["#email-group", "#topic"], "the groups: their labels show too"
    assert page.locator("#email").get_attribute("aria-invalid") == "true"
    assert "email-error" in (page.locator("#email").get_attribute("aria-describedby") or "")
    assert page.locator("#message").input_value() == "Mein Text bleibt."


def tab_until(page: Page, element_id: str, *, visible_focus: bool = False) -> None:
    """Press Tab until the element has the focus (at most 30 times)."""
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            if visible_focus:  # an outline a sighted keyboard user can follow
                outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
                assert outline != "none", f"no visible focus on #{element_id}"
            return
    raise AssertionError(f"Tab never reached #{element_id}")


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_form_can_be_filled_and_sent_with_the_keyboard_alone(
    language: str, phone: BrowserSession, runner: Runner
) -> None:
    page = phone.page
    page.goto(runner.form_url + language)
    keyboard = page.keyboard

    def tab_to(element_id: str) -> None:
        tab_until(page, element_id, visible_focus=True)

    tab_to("name")
    keyboard.type("Amal")
    tab_to("email")
    keyboard.type("amal@example.org")
    tab_to("topic-education")
    keyboard.press("Space")
    tab_to("message")
    keyboard.type("Ich suche einen Sprachkurs.")
    page.wait_for_timeout(1100)
    tab_to("send")
    keyboard.press("Enter")

    reference = "[2-9A-Z]{4}-[2-9A-Z]{4}"
    page.wait_for_url(re.compile(rf"/{language}/thanks/{reference}\?topic=education&t=[^&]+$"))
    assert page.locator(".reference").is_visible()


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_form_fits_a_320_pixel_screen_without_scrolling_sideways(
    language: str, phone: BrowserSession, runner: Runner
) -> None:
    page = phone.page
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(runner.form_url + language)

    assert page.evaluate("document.documentElement.scrollWidth") <= 320


@pytest.mark.parametrize("language", ["ps", "kmr", "de"])
def test_a_call_back_with_an_interpreter_can_be_asked_for_with_the_keyboard_alone(
    language: str, phone: BrowserSession, runner: Runner
) -> None:
    page = phone.page
    page.goto(runner.form_url + language)
    keyboard = page.keyboard

    def tab_to(element_id: str) -> None:
        tab_until(page, element_id)

    tab_to("email")
    keyboard.type("gul@example.org")
    tab_to("answer_by-email")
    expect(page.locator("#phone")).to_be_hidden()
    keyboard.press("ArrowDown")  # the next choice of the group: a call back
    expect(page.locator("#answer_by-phone")).to_be_checked()
    tab_to("phone")
    keyboard.type("0461 1234567")
    tab_to("interpreter")
    keyboard.press("Space")
    tab_to("topic-education")
    keyboard.press("Space")
    tab_to("message")
    keyboard.type("د ښوونځي پوښتنه")
    assert violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"form-{language}-call-back-360px.png"),
                    full_page=True)
    page.wait_for_timeout(1100)
    tab_to("send")
    keyboard.press("Enter")

    page.wait_for_url(re.compile(rf"/{language}/thanks/"))
    assert "+49 461 1234567" in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOTS / f"thanks-{language}-call-back-360px.png"),
                    full_page=True)


@pytest.mark.parametrize("language", ["ar", "de", "ps", "kmr"])
def test_screenshots_of_the_form_at_phone_width_are_kept(
    language: str, phone: BrowserSession, runner: Runner
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = phone.page
    page.goto(runner.form_url + language)
    path = SCREENSHOTS / f"form-{language}-360px.png"
    page.screenshot(path=str(path), full_page=True)
    page.click("#send")
    page.screenshot(path=str(SCREENSHOTS / f"form-{language}-errors-360px.png"), full_page=True)

    assert path.stat().st_size > 10_000
