"""The resident's own pages in real headless Chromium, in all seven languages, with the
keyboard alone: the follow-up's answer page, the status page, the erasure confirmation
and what erasure leaves, each passing axe-core's WCAG 2.2 AA rules at 360 px.

One stack for the module, its dev clock starting on Tuesday, 1 December 2026 at 09:00:
an education inquiry per language, then the clock to the follow-up (Thursday,
10 December), so that every resident has a status link and an answer link.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page

from chalicelib.core.languages import LANGUAGES
from devstack.outbox import sent_emails
from devstack.process import RunningStack, start_stack
from tests.end_to_end.conftest import SCREENSHOTS
from tests.end_to_end.test_accessibility_statement import tab_to
from tests.end_to_end.test_every_resident_can_use_it import violations

ALL_LANGUAGES = list(LANGUAGES)


@dataclass(frozen=True)
class ResidentLinks:
    status: str
    answer_yes: str


def resident(language: str) -> str:
    return f"resident-{language}@example.org"


def submit(stack: RunningStack, language: str) -> None:
    with urllib.request.urlopen(f"{stack.form_url}form-token", timeout=30) as answer:
        token = json.load(answer)["form_token"]
    body = json.dumps({"email": resident(language), "topic": "education", "language": language,
                       "message": "Gibt es einen Sprachkurs?", "form_token": token}).encode()
    request = urllib.request.Request(f"{stack.form_url}inquiries", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 201


@pytest.fixture(scope="module")
def stack() -> Iterator[RunningStack]:
    started = start_stack(DEV_CLOCK_START="2026-12-01T09:00:00+01:00", MIN_FILL_SECONDS="0")
    yield started
    started.stop()


@pytest.fixture(scope="module")
def links(stack: RunningStack) -> dict[str, ResidentLinks]:
    for language in ALL_LANGUAGES:
        submit(stack, language)
    stack.advance(days=9, hours=0.5)  # Thursday 10 December 09:30: every follow-up is out
    found: dict[str, ResidentLinks] = {}
    for language in ALL_LANGUAGES:
        confirmation, follow_up = [e for e in sent_emails(stack.emulator_url)
                                   if e.recipients == (resident(language),)]
        urls = re.findall(r"http://127\.0\.0\.1:\d+/\S+", confirmation.text + follow_up.text)
        found[language] = ResidentLinks(
            status=next(u for u in urls if f"/{language}/status/" in u),
            answer_yes=next(u for u in urls if "answer=yes" in u))
    return found


@pytest.fixture
def phone(browser: Browser, stack: RunningStack) -> Iterator[Page]:
    """A 360 px tab that asks nothing of any host but the stack."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    yield context.new_page()
    context.close()
    origin = stack.form_url.rstrip("/")
    assert [url for url in requested if not url.startswith(origin + "/")] == []


def keep(page: Page, name: str, language: str) -> None:
    if language in ("ar", "de"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{language}-360px.png"), full_page=True)


def fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_answering_the_follow_up_then_erasing_works_with_the_keyboard_and_passes_axe(
    language: str, phone: Page, links: dict[str, ResidentLinks],
) -> None:
    page = phone
    direction = LANGUAGES[language].direction

    # The follow-up's link: a page with one button, then the answer recorded.
    response = page.goto(links[language].answer_yes)
    assert response is not None and response.status == 200
    assert page.get_attribute("html", "dir") == direction
    assert violations(page) == [] and fits_the_screen(page)
    keep(page, "answer-page", language)
    tab_to(page, "answer")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_attribute("html", "lang") == language
    assert violations(page) == []
    keep(page, "answer-recorded", language)

    # The status page, then its erasure confirmation, reached with the keyboard.
    response = page.goto(links[language].status)
    assert response is not None and response.status == 200
    assert violations(page) == [] and fits_the_screen(page)
    keep(page, "status-page", language)
    tab_to(page, "erase-link")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/erase" in page.url
    assert violations(page) == [] and fits_the_screen(page)
    keep(page, "erase-confirmation", language)
    tab_to(page, "erase")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_attribute("html", "dir") == direction
    assert violations(page) == []
    keep(page, "erased", language)

    # What the status link shows afterwards: 410, a page that says so.
    response = page.goto(links[language].status)
    assert response is not None and response.status == 410
    assert violations(page) == []
