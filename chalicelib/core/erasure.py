"""Erasure on the resident's request (Art. 17 GDPR), from their status page.

The status page links to a confirmation page, `{lang}/status/{reference}/erase?t=…`
with the status link's token, that says what erasure does and does not do; opening
it changes nothing (mail scanners open links). Its button POSTs the token back, and
one conditional write of the store (`InquiryStore.erase`) deletes the resident's
name, address and message at once, stops the clock (no reminder, escalation or
follow-up any more) and asks for a note to every holder who received the inquiry:
the resident withdrew it and asked for erasure, please delete your copy (Art. 19).
The delivery sends those notes as every other email, once each; the anonymous counts
(reference, topic, language, dates, states) stay until the inquiry's retention ends.

As on the status page, the token is checked before the store is read, and a wrong
token, an unknown and an expired reference all give the same None. Erasing twice is
harmless: the second request finds the inquiry erased and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.core import statistics
from chalicelib.core.ports import Clock, DeliveryQueue, InquiryStore, QueueUnavailable
from chalicelib.core.status import REFERENCE, StatusTokens
from chalicelib.core.telemetry import Event, emit


@dataclass(frozen=True)
class ErasureView:
    """What the confirmation page and the page after erasure show: no personal data."""

    reference: str
    erased_at: datetime | None  # None while the inquiry is not erased


@dataclass
class Erasure:
    store: InquiryStore
    tokens: StatusTokens  # the status link's: erasure is a step of the status page
    queue: DeliveryQueue
    clock: Clock

    def look(self, reference: str, token: str) -> ErasureView | None:
        """The confirmation page (GET): reads, never writes. None for a bad token and for
        an unknown or expired inquiry alike; without a good token the store is not read."""
        now = self.clock()
        if not self._valid(reference, token, now):
            return None
        record = self.store.get(reference, now)
        if record is None:
            return None
        return ErasureView(record.reference, record.erased_at)

    def erase(self, reference: str, token: str) -> ErasureView | None:
        """Erase the link's inquiry (POST), unless it is erased already; the page to show
        afterwards, or None as for `look`. StoreUnavailable goes to the caller."""
        now = self.clock()
        if not self._valid(reference, token, now):
            return None
        record = self.store.get(reference, now)
        if record is None or not self.store.erase(reference, now, statistics.erased(record)):
            # Erased before (a second click), or there is no such inquiry.
            return self.look(reference, token)
        emit(Event.INQUIRY_ERASED, "inquiry %s erased on the resident's request", reference,
             reference=reference)
        try:
            self.queue.send(reference)
        except QueueUnavailable:
            # The erasure is written: the sweep queues its notes after its grace period.
            emit(Event.ERASURE_NOT_QUEUED, "inquiry %s: the notes of its erasure are not "
                 "queued; the sweep will queue them", reference, reference=reference)
        return ErasureView(reference, now)

    def _valid(self, reference: str, token: str, now: datetime) -> bool:
        return bool(REFERENCE.fullmatch(reference)) and self.tokens.valid(reference, token, now)
