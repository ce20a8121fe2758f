"""The legal pages and the consent box in real headless Chromium: the privacy notice, the
accessibility statement and Leichte Sprache pass axe-core's WCAG 2.2 AA rules in every
language and state; health's consent box is ticked and sent with the keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from chalicelib.core.inquiry import FieldError
from chalicelib.core.languages import LANGUAGES
from chalicelib.core.messages import field_error
from tests.end_to_end.conftest import SCREENSHOTS, BrowserSession, Runner
from tests.end_to_end.test_every_resident_can_use_it import violations

ALL_LANGUAGES = list(LANGUAGES)
MESSAGE = "Mein Kind hat Fieber seit drei Tagen."


def tab_to(page: Page, element_id: str) -> None:
    """Press Tab until the element has the focus, and see the focus outline."""
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"no visible focus on #{element_id}"
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def choose_health_with_the_arrow_keys(page: Page) -> None:
    """Into the topics with Tab, then down the radio group to health, as a keyboard user does."""
    tab_to(page, "topic-education")
    for _ in range(10):
        if page.evaluate("document.activeElement.id") == "topic-health":
            break
        page.keyboard.press("ArrowDown")
    assert page.locator("#topic-health").is_checked()


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_privacy_notice_passes_axe(
    language: str, phone: BrowserSession, runner: Runner
) -> None:
    page = phone.page
    response = page.goto(f"{runner.form_url}{language}/privacy")

    assert response is not None and response.status == 200
    assert page.locator("#dpo").is_visible()
    assert violations(page) == []


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_accessibility_statement_passes_axe(
    language: str, phone: BrowserSession, runner: Runner
) -> None:
    page = phone.page
    page.goto(runner.form_url + language)
    page.locator("footer a[href$='/accessibility']").click()

    page.wait_for_url(re.compile(rf"/{language}/accessibility$"))
    assert page.locator("html").get_attribute("dir") == LANGUAGES[language].direction
    assert page.locator("#feedback a[href^='mailto:']").is_visible()
    assert violations(page) == []


def test_leichte_sprache_is_reached_from_the_german_form_and_passes_axe(
    phone: BrowserSession, runner: Runner
) -> None:
    page = phone.page
    page.goto(runner.form_url + "de")
    page.get_by_role("link", name=re.compile("^Leichte Sprache")).click()

    page.wait_for_url(re.compile(r"/de/leichte-sprache$"))
    assert page.locator("h1").inner_text() == "Der Wegweiser in Leichter Sprache"
    assert violations(page) == []


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_consent_box_shows_for_health_only_and_passes_axe_with_and_without_its_error(
    language: str, phone: BrowserSession, runner: Runner
) -> None:
    page = phone.page
    page.goto(runner.form_url + language)
    assert not page.locator("#consent").is_visible(), "no consent asked before a topic"
    page.locator("#topic-education").check()
    assert not page.locator("#consent").is_visible(), "education asks for none"

    page.locator("#topic-health").check()
    assert page.locator("#consent").is_visible()
    assert violations(page) == [], "the form with the consent box"

    page.fill("#email", "amal@example.org")
    page.fill("#message", MESSAGE)
    page.wait_for_timeout(1100)  # longer than the runner's MIN_FILL_SECONDS
    page.click("#send")
    error = page.locator("#consent-error")
    assert error.inner_text().endswith(field_error(FieldError.CONSENT_REQUIRED, language))
    assert page.locator("#message").input_value() == MESSAGE
    assert violations(page) == [], "the consent error"


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_consent_box_is_ticked_and_the_inquiry_sent_with_the_keyboard_alone(
    language: str, phone: BrowserSession, runner: Runner
) -> None:
    page = phone.page
    page.goto(runner.form_url + language)

    tab_to(page, "email")
    page.keyboard.type("amal@example.org")
    choose_health_with_the_arrow_keys(page)
    tab_to(page, "consent")  # the next stop after the topics, once health is chosen
    tab_to(page, "message")
    page.keyboard.type(MESSAGE)
    page.wait_for_timeout(1100)
    tab_to(page, "send")
    page.keyboard.press("Enter")

    # Not ticked: the form comes back, the summary has the focus and names the box.
    # Not wait_for_function: its polling evaluates a string, which the pages' CSP
    # (no 'unsafe-eval') refuses whenever the first look is too early.
    expect(page.locator("#error-summary")).to_be_focused(timeout=5000)
    assert page.locator("#error-summary").inner_text().count(
        field_error(FieldError.CONSENT_REQUIRED, language)) == 1
    assert page.locator("#message").input_value() == MESSAGE

    tab_to(page, "consent")
    page.keyboard.press("Space")
    assert page.locator("#consent").is_checked()
    page.wait_for_timeout(1100)
    tab_to(page, "send")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(rf"/{language}/thanks/[2-9A-Z]{{4}}-[2-9A-Z]{{4}}\?topic=health"))
    assert page.locator(".reference").is_visible()


@pytest.mark.parametrize("path", ["de/privacy", "ar/privacy", "fa/accessibility",
                                  "de/accessibility", "de/leichte-sprache"])
def test_the_legal_pages_fit_a_320_pixel_screen_without_scrolling_sideways(
    path: str, phone: BrowserSession, runner: Runner
) -> None:
    page = phone.page
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(runner.form_url + path)

    assert page.evaluate("document.documentElement.scrollWidth") <= 320


@pytest.mark.parametrize("name", ["privacy-de", "privacy-ar", "accessibility-de",
                                  "accessibility-ar", "leichte-sprache-de"])
def test_screenshots_of_the_legal_pages_at_phone_width_are_kept(
    name: str, phone: BrowserSession, runner: Runner
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page_name, language = name.rsplit("-", 1)
    page = phone.page
    page.goto(f"{runner.form_url}{language}/{page_name}")
    path = SCREENSHOTS / f"{name}-360px.png"

    page.screenshot(path=str(path), full_page=True)

    assert path.stat().st_size > 20_000


@pytest.mark.parametrize("language", ["ar", "de"])
def test_screenshots_of_the_consent_error_at_phone_width_are_kept(
    language: str, phone: BrowserSession, runner: Runner
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = phone.page
    page.goto(runner.form_url + language)
    page.locator("#topic-health").check()
    page.fill("#email", "amal@example.org")
    page.fill("#message", MESSAGE)
    page.wait_for_timeout(1100)
    page.click("#send")
    page.locator("#consent-error").wait_for()
    path = SCREENSHOTS / f"form-consent-error-{language}-360px.png"

    page.screenshot(path=str(path), full_page=True)

    assert path.stat().st_size > 20_000
