"""GET /{language}/thanks/{reference}: the page a resident lands on after sending.

It reads the stored inquiry, so it shows what was really accepted: the reference,
the topic and the organisation that will answer (never the message or the address).
"""

from __future__ import annotations

from chalicelib.pages import Answer, not_found_page, notice_page, thanks_page
from chalicelib.routing import bundled_routing
from chalicelib.store import InquiryStore, StoreUnavailable
from chalicelib.templating import form_languages
from chalicelib.wiring import utc_now

ROOT = "../../"


def answer_thanks(store: InquiryStore, language: str, reference: str) -> Answer:
    if language not in form_languages():
        return not_found_page("de", root=ROOT)
    try:
        record = store.get(reference.upper(), utc_now())
    except StoreUnavailable:
        return notice_page(language, root=ROOT, status=503)
    if record is None:
        return not_found_page(language, root=ROOT)
    topic = bundled_routing().topics.get(record.inquiry.topic)
    # The label in the page's language; the stored one if the topic was removed since.
    label = topic.label(language) if topic else record.topic_labels[record.inquiry.language]
    return thanks_page(language, record, label)
