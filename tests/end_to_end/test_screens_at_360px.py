"""The screens and emails of issue 12 in real Chromium on a 360 px phone, against `make run`:
what a resident sees (error borders, what an error link scrolls into view, the address on
the thank-you page, names in right-to-left text) and what a contact person's phone shows.

Each test keeps a screenshot in test-artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.end_to_end.conftest import SCREENSHOTS, BrowserSession, Runner

WIDTH, HEIGHT = 360, 740
ERROR_RED = "rgb(176, 0, 32)"  # --error in wegweiser.css
INK = "rgb(27, 27, 27)"  # --ink
LONG_ADDRESS = "mohammed.abdulrahman.alhassan@studierende.uni-flensburg.de"
ENDONYMS = {"de": "Deutsch", "ar": "العربية", "uk": "Українська"}


def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    """The whole page, or (full_page=False) just what the screen shows."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-360px.png"), full_page=full_page)


def wait_like_a_person(page: Page) -> None:
    page.wait_for_timeout(1100)  # longer than the runner's MIN_FILL_SECONDS


def send(page: Page, email: str = "amal@example.org", topic: str = "work") -> str:
    """Fill in the form on the page and send it; the reference of the thank-you page."""
    page.fill("#name", "Amal")
    page.fill("#email", email)
    page.check(f"#topic-{topic}")
    page.fill("#message", "Ich suche Arbeit.")
    wait_like_a_person(page)
    page.click("#send")
    page.wait_for_url(re.compile(r"/thanks/"))
    return page.locator(".reference").inner_text().strip()


def style(page: Page, selector: str, prop: str) -> str:
    return str(page.eval_on_selector(selector, f"e => getComputedStyle(e)['{prop}']"))


# ---------------------------------------------------------------- 1. the error borders


@pytest.mark.parametrize("language", ["de", "ar"])
def test_a_bad_email_address_and_a_missing_topic_get_the_red_error_border(
    language: str, phone: BrowserSession, runner: Runner
) -> None:
    page = phone.page
    page.goto(runner.form_url + language)
    page.fill("#email", "not-an-address")
    page.fill("#message", "Hallo")
    wait_like_a_person(page)
    page.click("#send")
    page.wait_for_selector("#error-summary")
    screenshot(page, f"errors-marked-{language}")

    assert page.get_attribute("#email", "aria-invalid") == "true"
    assert style(page, "#email", "borderInlineStartColor") == ERROR_RED
    assert style(page, "#email", "borderInlineStartWidth") == "6px"
    assert style(page, "#topic", "borderTopStyle") == "solid"
    assert style(page, "#topic", "borderInlineStartColor") == ERROR_RED
    assert style(page, "#topic", "borderInlineStartWidth") == "6px"
    # The message was fine: its border stays the ink colour, so the red means something.
    assert style(page, "#message", "borderInlineStartColor") == INK


# ------------------------------------------------- 2. an error link shows label and error


@pytest.mark.parametrize("language", ["de", "ar", "uk"])
def test_each_error_link_shows_the_fields_label_error_and_input_on_a_360px_screen(
    language: str, phone: BrowserSession, runner: Runner
) -> None:
    page = phone.page
    page.goto(runner.form_url + language)
    page.fill("#email", "not-an-address")
    wait_like_a_person(page)
    page.click("#send")
    page.wait_for_selector("#error-summary")

    fields = {"email-group": ("label[for=email]", "#email-error", "#email"),
              "topic": ("#topic legend", "#topic-error", "#topic-education"),
              "message-group": ("label[for=message]", "#message-error", "#message")}
    links = page.locator("#error-summary a")
    assert [links.nth(n).get_attribute("href") for n in range(links.count())] == \
        [f"#{target}" for target in fields]
    for n, (target, parts) in enumerate(fields.items()):
        page.evaluate("window.scrollTo(0, 0)")
        links.nth(n).click()
        # Not wait_for_function: its polling evaluates a string, which the CSP refuses.
        page.wait_for_url(re.compile(f"#{target}$"))
        page.wait_for_timeout(100)
        screenshot(page, f"error-link-{target}-{language}", full_page=False)
        for selector in parts:
            box = page.locator(selector).first.bounding_box()
            assert box is not None, selector
            assert box["y"] >= 0 and box["y"] + min(box["height"], 40) <= HEIGHT, \
                f"{selector} is off-screen after the link to #{target}: {box}"


# ------------------------------------------- 3. the thank-you page: address, language note


def test_the_thank_you_page_shows_the_address_and_says_the_answer_may_be_in_german(
    phone: BrowserSession, runner: Runner
) -> None:
    page = phone.page
    page.goto(runner.form_url + "ar")
    send(page, email=LONG_ADDRESS)
    screenshot(page, "thanks-ar")

    assert "@" not in page.url
    address = page.locator(".address")
    assert address.inner_text().strip() == LONG_ADDRESS
    assert address.locator("span").get_attribute("dir") == "ltr"
    assert page.locator(".language-note").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_a_reloaded_thank_you_page_without_its_token_shows_no_address(
    phone: BrowserSession, runner: Runner
) -> None:
    page = phone.page
    page.goto(runner.form_url + "de")
    send(page)
    page.goto(re.sub(r"&t=[^&]*", "", page.url))

    assert page.locator(".reference").is_visible()
    assert page.locator(".address").count() == 0


# ------------------------------------- 4. switching language keeps the text, without script


@pytest.fixture
def phone_without_javascript(browser: Browser, runner: Runner) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT},
                                  java_script_enabled=False)
    yield context.new_page()
    context.close()


def test_switching_language_without_javascript_keeps_everything_typed_and_sends_nothing(
    phone_without_javascript: Page, runner: Runner
) -> None:
    page = phone_without_javascript
    page.goto(runner.form_url + "de")
    page.fill("#name", "Amal")
    page.fill("#email", "amal@example.org")
    page.check("#topic-culture")
    page.fill("#message", "Gibt es ein Sprachcafé?\nDanke.")

    page.get_by_role("button", name=ENDONYMS["ar"]).click()
    page.wait_for_url(re.compile(r"/ar$"))
    screenshot(page, "switched-to-ar")

    assert page.get_attribute("html", "dir") == "rtl"
    assert page.input_value("#name") == "Amal"
    assert page.input_value("#email") == "amal@example.org"
    assert page.is_checked("#topic-culture")
    assert page.input_value("#message") == "Gibt es ein Sprachcafé?\nDanke."
    assert page.locator("#error-summary").count() == 0

    page.get_by_role("button", name=ENDONYMS["uk"]).click()
    page.wait_for_url(re.compile(r"/uk$"))
    assert page.input_value("#message") == "Gibt es ein Sprachcafé?\nDanke."

    wait_like_a_person(page)
    page.click("#send")
    page.wait_for_url(re.compile(r"/uk/thanks/"))
    reference = page.locator(".reference").inner_text().strip()
    emails = runner.emails_about(reference)
    assert len(emails) == 2, "one inquiry, sent once, after two language switches"


def test_pressing_enter_in_a_field_sends_the_inquiry_and_never_switches_the_language(
    phone_without_javascript: Page, runner: Runner
) -> None:
    page = phone_without_javascript
    page.goto(runner.form_url + "ar")
    page.fill("#email", "amal@example.org")
    page.check("#topic-work")
    page.fill("#message", "Ich suche Arbeit.")
    wait_like_a_person(page)

    page.press("#email", "Enter")

    page.wait_for_url(re.compile(r"/ar/thanks/"))
    assert page.locator(".reference").is_visible()


# ---------------------------------------------- 6. German names in right-to-left text


NAME = "Integration in Flensburg e.V."
# For every occurrence of the name on the page: is its full stop drawn after its "V"
# (to the right), as in German? Unisolated in Arabic text it lands left of the name.
FULL_STOP_AFTER_V = """name => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = node.data.indexOf(name); i >= 0; i = node.data.indexOf(name, i + 1)) {
      const range = document.createRange();
      const box = (start) => { range.setStart(node, start); range.setEnd(node, start + 1);
                               return range.getBoundingClientRect(); };
      const v = box(i + name.length - 2), stop = box(i + name.length - 1);
      out.push(stop.left >= v.right - 1);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("language", ["ar", "fa"])
def test_a_german_name_in_right_to_left_text_keeps_its_full_stop_at_its_end(
    language: str, phone: BrowserSession, runner: Runner
) -> None:
    page = phone.page
    page.goto(f"{runner.form_url}{language}/privacy")
    screenshot(page, f"privacy-{language}")
    on_privacy = page.evaluate(FULL_STOP_AFTER_V, NAME)

    page.goto(runner.form_url + language)
    send(page, topic="education")
    screenshot(page, f"thanks-education-{language}")
    on_thanks = page.evaluate(FULL_STOP_AFTER_V, NAME)

    assert on_privacy and all(on_privacy), on_privacy
    assert on_thanks and all(on_thanks), on_thanks


# ----------------------------------------------------- 7. the emails on a 360 px phone


def test_the_staff_email_and_the_confirmation_fit_a_360px_phone(
    phone: BrowserSession, runner: Runner
) -> None:
    page = phone.page
    page.goto(runner.form_url + "ar")
    reference = send(page, email=LONG_ADDRESS, topic="project")
    emails = {email.recipients[0]: email for email in runner.emails_about(reference)}
    staff, confirmation = emails["info@integration-flensburg.de"], emails[LONG_ADDRESS]

    for name, sent in [("staff-email", staff), ("confirmation-ar", confirmation)]:
        page.goto("about:blank")  # no CSP of ours: the emails' inline styles apply, as in mail
        page.set_content(sent.html)
        screenshot(page, name)
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, name
    assert LONG_ADDRESS in staff.html


# --------------------------------------------------------- 9. no 404 for the icon, HEAD


def test_a_page_view_asks_for_nothing_that_is_missing_and_head_answers(
    phone: BrowserSession, runner: Runner
) -> None:
    page = phone.page
    statuses: list[tuple[str, int]] = []
    page.on("response", lambda response: statuses.append((response.url, response.status)))
    page.goto(runner.form_url + "de")
    page.goto(runner.form_url + "ar/privacy")

    assert [(url, status) for url, status in statuses if status >= 400] == []
    icon = page.locator("link[rel=icon]").evaluate("link => link.href")
    answer = page.context.request.get(icon)
    assert answer.status == 200 and answer.headers["content-type"] == "image/svg+xml"
    head = page.context.request.head(runner.form_url)
    assert head.status == 200 and head.headers["content-type"] == "text/html; charset=utf-8"
