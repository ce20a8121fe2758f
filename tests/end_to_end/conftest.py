"""The local runner (`python -m devstack`, what `make run` starts) as a fixture, over real HTTP.

One runner serves every end-to-end and browser test of the session; a test that must
stop a runner starts its own with `start_stack`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from devstack.process import RunningStack, start_stack

PROJECT_DIR = Path(__file__).resolve().parents[2]
Runner = RunningStack


@pytest.fixture(scope="session")
def runner() -> Iterator[Runner]:
    started = start_stack(MIN_FILL_SECONDS="1")
    yield started
    started.stop()


CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = PROJECT_DIR / "test-artifacts" / "screenshots"
# Flags that keep Chromium from calling Google's services on this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Debian's chromium is missing: `make test` installs it (as root)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class BrowserSession:
    """A phone-sized browser tab that records every URL the page asked for."""

    page: Page
    requested: list[str]


@pytest.fixture
def phone(browser: Browser, runner: Runner) -> Iterator[BrowserSession]:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    yield BrowserSession(page, requested)
    context.close()
    # No CDN, no web font, no analytics: every request went to Wegweiser itself.
    origin = runner.form_url.rstrip("/")
    foreign = [url for url in requested if not url.startswith(origin + "/")]
    assert foreign == [], f"the page requested other hosts: {foreign}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`make test` runs two workers), every end-to-end and browser
    test goes to the same worker, so they share one `make run` stack and one Chromium."""
    for item in items:
        if "end_to_end" in item.path.parts:
            item.add_marker(pytest.mark.xdist_group("stack"))
