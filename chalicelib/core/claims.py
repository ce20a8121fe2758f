"""Claiming an inquiry: "Ich übernehme diese Anfrage", one click from the staff email.

A contact's reply to the resident does not pass through Wegweiser, so the claim is the
one sign that somebody took the inquiry on; it stops the reminders and escalations
(chalicelib/core/escalation.py) and moves the clock on to the follow-up, which asks
the resident whether an answer came. Every email to a holder carries a link
`claim/{reference}?t=…` whose token is an HMAC, with a key of its own, over the
reference, the contact the email was addressed to and the end of the inquiry's
retention: it claims this inquiry for that contact only (a cc recipient claims on the
contact's behalf) and is useless once the inquiry is gone. Nothing is stored for it.

Opening the link changes nothing (Outlook's Safe Links and other scanners open every
link in a mail); the page's button POSTs the claim. The first claim stands, so
claiming twice, or after a colleague, is harmless: the page then says who and when.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from chalicelib.core import statistics
from chalicelib.core.escalation import after_claim
from chalicelib.core.ports import Clock, InquiryStore
from chalicelib.core.records import Claim, InquiryRecord, Recipient
from chalicelib.core.references import PATTERN
from chalicelib.core.telemetry import Event, emit

REFERENCE = re.compile(PATTERN)
# A contact key, the expiry in Unix seconds and 22 characters of signature, with room.
MAX_TOKEN_LENGTH = 200
SIGNATURE_BYTES = 16  # 128 bits: as hard to guess as any key


@dataclass(frozen=True)
class ClaimTokens:
    """Signed claim tokens: "<contact key>.<expires, Unix seconds>.<signature>"."""

    key: bytes  # derived from the stage's secret for this job alone

    def issue(self, reference: str, contact_key: str, expires_at: datetime) -> str:
        expires = int(expires_at.timestamp())
        return f"{contact_key}.{expires}.{self._sign(reference, contact_key, expires)}"

    def contact(self, reference: str, token: str, now: datetime) -> str | None:
        """The contact key the token was issued to for this reference, or None if it is
        malformed, forged, for another inquiry or expired (the same None for all)."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        parts = token.split(".")
        if len(parts) != 3:
            return None
        contact_key, expires, signature = parts
        if not (expires.isascii() and expires.isdigit() and contact_key):
            return None
        # Compared as bytes: compare_digest refuses non-ASCII str, and links reach anyone.
        expected = self._sign(reference, contact_key, int(expires))
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            return None
        if int(expires) <= now.timestamp():
            return None
        return contact_key

    def _sign(self, reference: str, contact_key: str, expires: int) -> str:
        message = f"claim:{reference}:{contact_key}:{expires}".encode()
        digest = hmac.new(self.key, message, hashlib.sha256).digest()[:SIGNATURE_BYTES]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True)
class ClaimLinks:
    """The absolute claim link of one holder of one inquiry, for the emails."""

    tokens: ClaimTokens
    base_url: str  # the public address of the API root, e.g. https://…/api/

    def url(self, record: InquiryRecord, holder: Recipient) -> str:
        token = self.tokens.issue(record.reference, holder.contact_key, record.expires_at)
        root = self.base_url if self.base_url.endswith("/") else f"{self.base_url}/"
        return f"{root}claim/{record.reference}?t={quote(token, safe='')}"


@dataclass(frozen=True)
class ClaimView:
    """What the claim page shows to the holder whose link was opened."""

    record: InquiryRecord
    holder: Recipient  # the contact the link was addressed to
    topic_label: str  # in the holder's staff language
    claim: Claim | None  # who claimed it, if anybody did
    claimed_now: bool = False  # this request's claim is the one that stands


@dataclass
class Claims:
    store: InquiryStore
    tokens: ClaimTokens
    clock: Clock

    def look(self, reference: str, token: str) -> ClaimView | None:
        """The page for a link (GET): reads, never writes. None for a bad or foreign
        token and for an unknown or expired inquiry alike (the same 404)."""
        now = self.clock()
        if not REFERENCE.fullmatch(reference):
            return None
        contact_key = self.tokens.contact(reference, token, now)
        if contact_key is None:
            emit(Event.CLAIM_LINK_REFUSED, "a claim link for %s was refused", reference,
                 reference=reference)
            return None
        record = self.store.get(reference, now)
        holder = next((h for h in record.holders() if h.contact_key == contact_key),
                      None) if record else None
        if record is None or holder is None:
            return None
        return ClaimView(record, holder, record.topic_label_for(holder), record.claim)

    def claim(self, reference: str, token: str) -> ClaimView | None:
        """Claim the inquiry for the link's holder (POST), unless somebody did already;
        the page to show afterwards, or None as for `look`."""
        view = self.look(reference, token)
        if view is None or view.claim is not None:
            return view
        mine = Claim(view.holder.contact_key, view.holder.name, self.clock())
        _, follow_up_at = after_claim(view.record)
        standing = self.store.claim(reference, mine, follow_up_at,
                                    statistics.claimed(view.record, mine))
        if standing is None:
            return None
        if standing == mine:
            emit(Event.INQUIRY_CLAIMED, "inquiry %s claimed by %s", reference,
                 mine.contact_key, reference=reference, contact=mine.contact_key,
                 count=len(view.record.escalations))
        return ClaimView(view.record, view.holder, view.topic_label, standing,
                         claimed_now=standing == mine)
