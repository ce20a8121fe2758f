"""A contact person claims an inquiry from the staff email, in real headless Chromium.

The inquiry goes through `make run`'s runner over real HTTP; the staff email is read
back from the emulator's SES, its claim link opened at phone and desktop width (axe
finds no WCAG 2.1 A/AA violation, nothing scrolls sideways), the button pressed, and
the email's HTML shown as a mail client would, with its claim button. Screenshots of
each are left in test-artifacts/screenshots/.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request

from playwright.sync_api import Browser, BrowserContext, Page

from devstack.outbox import SentEmail
from tests.end_to_end.conftest import SCREENSHOTS, Runner
from tests.end_to_end.test_every_resident_can_use_it import violations

ANNA = "info@integration-flensburg.de"  # education


def staff_email_of_a_new_inquiry(runner: Runner) -> tuple[str, SentEmail]:
    """Send an inquiry about education as an API client would; its reference and staff email."""
    with urllib.request.urlopen(runner.form_url + "form-token", timeout=10) as answer:
        token = json.load(answer)["form_token"]
    time.sleep(1.1)  # a person takes longer than MIN_FILL_SECONDS to write
    body = json.dumps({"email": "amal@example.org", "topic": "education", "language": "ar",
                       "name": "Amal", "message": "Gibt es einen Deutschkurs für Mütter?",
                       "form_token": token}).encode()
    request = urllib.request.Request(runner.form_url + "inquiries", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        reference = str(json.load(answer)["reference"])
    (staff,) = [e for e in runner.emails_about(reference) if e.recipients == (ANNA,)]
    return reference, staff


def claim_link(runner: Runner, email: SentEmail) -> str:
    [link] = {str(found) for found in
              re.findall(rf"{re.escape(runner.form_url)}claim/\S+", email.text)}
    return link


def recording(context: BrowserContext) -> list[str]:
    """Every URL the pages of the context ask for, as they ask."""
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    return requested


def fits_its_width(page: Page) -> bool:
    return bool(page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def test_a_contact_claims_the_inquiry_from_the_staff_email_at_phone_and_desktop_width(
    browser: Browser, runner: Runner
) -> None:
    reference, staff = staff_email_of_a_new_inquiry(runner)
    link = claim_link(runner, staff)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    for width in (1280, 360):  # claimed at the end, on the phone
        context = browser.new_context(viewport={"width": width, "height": 720})
        requested = recording(context)
        page = context.new_page()
        response = page.goto(link)
        assert response is not None and response.status == 200
        assert page.locator("html").get_attribute("lang") == "de"
        assert page.locator("h1").inner_text() == f"Anfrage {reference}"
        assert "offen: noch von niemandem übernommen" in page.locator(".facts").inner_text()
        assert page.get_by_role("button", name="Ich übernehme diese Anfrage").is_visible()
        assert fits_its_width(page)
        assert violations(page) == [], f"the claim page at {width} px"
        page.screenshot(path=SCREENSHOTS / f"claim-page-de-{width}.png", full_page=True)
        if width == 360:
            page.get_by_role("button", name="Ich übernehme diese Anfrage").click()
            page.wait_for_load_state()
            facts = page.locator(".facts").inner_text()
            assert "übernommen von Anna Meier am" in facts
            assert page.get_by_role("status").is_visible()
            assert page.get_by_role("button").count() == 0
            assert violations(page) == [], "the claimed page"
            page.screenshot(path=SCREENSHOTS / "claim-page-claimed-de-360.png", full_page=True)
        context.close()
        assert all(url.startswith(runner.form_url) for url in requested), requested


def test_the_staff_email_shows_its_claim_button_as_a_mail_client_renders_it(
    browser: Browser, runner: Runner
) -> None:
    _, staff = staff_email_of_a_new_inquiry(runner)
    context = browser.new_context(viewport={"width": 800, "height": 900},
                                  java_script_enabled=False)
    page = context.new_page()

    page.set_content(staff.html)

    button = page.get_by_role("link", name="Ich übernehme diese Anfrage")
    assert button.is_visible()
    assert button.get_attribute("href") == claim_link(runner, staff)
    box = button.bounding_box()
    assert box is not None and box["y"] < 200, "near the top, in Outlook's preview"
    page.screenshot(path=SCREENSHOTS / "staff-email-claim-button-de.png", full_page=True)
    context.close()
