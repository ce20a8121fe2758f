"""The statistics report as the project lead sees it, in real headless Chromium: the HTML
file of `wegweiser stats --format html` on a laptop and printed, the monthly email's HTML
as a mail client shows it; WCAG 2.2 AA by axe-core; no request leaves the page.

The numbers are a small December and November (topics and languages of the project,
some of them under 5), protected as the service protects them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Browser, Page

from chalicelib.core.routing_file import bundled_routing
from chalicelib.core.statistics import read_cells
from chalicelib.core.statistics_report import as_html
from chalicelib.core.statistics_tables import Publication, publish
from tests.end_to_end.conftest import SCREENSHOTS
from tests.end_to_end.test_every_resident_can_use_it import violations

COUNTS = {
    "2026-11": {"education|ar|received": 14, "education|ar|claimed": 11,
                "education|ar|claimed_in_time": 9, "education|ar|days|1": 6,
                "education|ar|days|3": 5, "education|ar|interpreter": 7,
                "work|uk|received": 9, "work|uk|claimed": 8, "work|uk|days|2": 8,
                "health|fa|received": 3, "health|fa|interpreter": 2},
    "2026-12": {"education|ar|received": 12, "education|ar|claimed": 9,
                "education|ar|claimed_in_time": 9, "education|ar|days|0": 9,
                "education|uk|received": 8, "education|uk|claimed": 6, "education|uk|days|0": 6,
                "work|uk|received": 6, "work|uk|claimed": 5, "work|uk|escalated": 2,
                "health|ar|received": 5, "health|ar|interpreter": 2, "culture|de|received": 3},
}


def publication(focus: str | None = None) -> Publication:
    months = ["2026-11", "2026-12"]
    return publish(read_cells(COUNTS), months, bundled_routing(frozenset()), focus)


@pytest.fixture
def laptop(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    yield page, requested
    context.close()


def test_the_html_report_reads_on_a_laptop_and_in_print_with_bars_and_nothing_fetched(
    laptop: tuple[Page, list[str]],
) -> None:
    page, requested = laptop
    page.set_content(as_html(publication(), generated=date(2026, 12, 1)))

    assert page.title() == "Wegweiser – Anfragen November 2026 bis Dezember 2026"
    headings = page.locator("h3").all_inner_texts()
    assert headings[:3] == ["Nach Thema", "Nach Sprache", "Nach Monat"]
    topic_rows = page.locator("h3:text('Nach Thema') + table tbody tr")
    assert topic_rows.first.locator("th").inner_text() == "Bildung"
    assert topic_rows.first.locator("td").first.inner_text() == "34"
    bars = page.locator("table.bar td[bgcolor]")
    assert bars.count() > 0
    widths = [box["width"] for box in (bars.nth(n).bounding_box() for n in range(3)) if box]
    assert widths[0] > widths[1] > 0, "the largest topic has the longest bar"
    assert violations(page) == []
    assert requested == [], "no font, no script, no image: nothing is fetched"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "statistics-report.png"), full_page=True)
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    (SCREENSHOTS / "statistics-report.pdf").write_bytes(pdf)


def test_the_report_email_shows_the_month_then_the_year_and_points_to_the_csv(
    laptop: tuple[Page, list[str]],
) -> None:
    page, requested = laptop
    page.set_viewport_size({"width": 800, "height": 900})  # a mail client's reading pane
    page.set_content(as_html(publication("2026-12"), generated=date(2027, 1, 4), email=True))

    assert page.locator("h2").all_inner_texts()[:2] == [
        "Dezember 2026", "Das Jahr bis dahin: November 2026 bis Dezember 2026"]
    assert "angehängten CSV-Datei" in page.inner_text("body")
    assert page.locator("h3", has_text="Monat × Thema × Sprache").count() == 0, "attached"
    assert violations(page) == []
    assert requested == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "statistics-report-email.png"), full_page=True)
