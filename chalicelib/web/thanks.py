"""GET /{language}/thanks/{reference}?topic=…: the page a resident lands on after sending.

It names the reference and, from the topic, who will answer. It reads nothing from
the store: it is quick, cannot fail with a backend, and looks the same after a
decoy answer to a bot (see the honeypot in core/intake.py) as after a real one.
"""

from __future__ import annotations

import re
from datetime import date

from chalicelib.core.references import PATTERN
from chalicelib.core.routing import RoutingConfig, route_inquiry
from chalicelib.core.templating import form_languages
from chalicelib.web.pages import Answer, not_found_page, thanks_page, unknown_language_page

ROOT = "../../"
REFERENCE = re.compile(PATTERN)


def answer_thanks(
    routing: RoutingConfig, language: str, reference: str, topic: str | None, today: date,
    accept_language: str | None,
) -> Answer:
    if language not in form_languages():
        return unknown_language_page(accept_language, root=ROOT)
    if not REFERENCE.fullmatch(reference):
        return not_found_page(language, root=ROOT)
    decision = route_inquiry(routing, topic or routing.fallback_topic, language, today)
    return thanks_page(language, reference, decision)
