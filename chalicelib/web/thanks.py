"""GET /{language}/thanks/{reference}?topic=…&t=…: the page a resident lands on after sending.

It names the reference and, from the topic, who will answer. With the thank-you token
of the 303 (core/thanks_token.py, valid for an hour) it also reads the inquiry from
the store and shows the address the confirmation goes to, so a mistyped address is
noticed while the resident can still send again; the address itself is never in the
URL. Without a token, with a wrong or an old one, or when the store cannot be read,
the page is the same without the address: it never fails with a backend.

It says when the answer may not come in the resident's language (no contact present
for the topic speaks it): from the stored routing decision when it has the inquiry,
else from the same decision made again for the page's language.

A decoy answer to a bot (see the honeypot in core/intake.py) stores nothing, so its
thank-you page is the page without the address.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.core.local_time import flensburg_time
from chalicelib.core.ports import StoreUnavailable
from chalicelib.core.records import InquiryRecord
from chalicelib.core.references import PATTERN
from chalicelib.core.routing import RoutingConfig, route_inquiry
from chalicelib.core.telemetry import Event, emit
from chalicelib.core.templating import form_languages
from chalicelib.core.thanks_token import ThanksTokens
from chalicelib.web.pages import Answer, not_found_page, thanks_page, unknown_language_page

ROOT = "../../"
REFERENCE = re.compile(PATTERN)

ReadInquiry = Callable[[str, datetime], InquiryRecord | None]  # the store's `get`


@dataclass(frozen=True)
class ThanksRequest:
    language: str
    reference: str
    topic: str | None
    token: str | None
    accept_language: str | None


def answer_thanks(
    request: ThanksRequest, routing: RoutingConfig, tokens: ThanksTokens,
    read_inquiry: ReadInquiry, now: datetime,
) -> Answer:
    language, reference = request.language, request.reference
    if language not in form_languages():
        return unknown_language_page(request.accept_language, root=ROOT)
    if not REFERENCE.fullmatch(reference):
        return not_found_page(language, root=ROOT)
    decision = route_inquiry(routing, request.topic or routing.fallback_topic, language,
                             flensburg_time(now).date())
    token = request.token
    if not (token and tokens.valid(token, reference, now.timestamp())):
        return thanks_page(language, reference, decision)
    record = _stored(read_inquiry, reference, now)
    return thanks_page(language, reference, decision, token=token, record=record)


def _stored(read_inquiry: ReadInquiry, reference: str, now: datetime) -> InquiryRecord | None:
    try:
        return read_inquiry(reference, now)
    except StoreUnavailable:
        emit(Event.THANKS_WITHOUT_ADDRESS, "thank-you page for %s without the address: "
             "the store is unavailable", reference, reference=reference)
        return None
