"""The thank-you token: the 303 after a sent form carries it, never the resident's address.

The thank-you page shows the address the confirmation goes to, so that a typo is
noticed while the resident can still do something about it. An address must never
go into a URL (browser history, server logs, a shared link), so the URL carries a
token instead: "<expires_at>.<signature>", HMAC-SHA256 with a key of its own (see
hashing.derive_key) over the purpose, the reference and the expiry. It lets the
page read that one inquiry from the store, for an hour; nothing is stored for it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

MAX_AGE_SECONDS = 60 * 60
PURPOSE = "thanks"


@dataclass(frozen=True)
class ThanksTokens:
    key: bytes
    max_age_seconds: int = MAX_AGE_SECONDS

    def issue(self, reference: str, now: float) -> str:
        expires_at = int(now) + self.max_age_seconds
        return f"{expires_at}.{self._sign(reference, expires_at)}"

    def valid(self, token: str, reference: str, now: float) -> bool:
        """True for a token issued for this reference that has not expired yet."""
        expires_at, _, signature = token.partition(".")
        # Compared as bytes: compare_digest refuses non-ASCII str, and tokens come from anyone.
        if not (expires_at.isascii() and expires_at.isdigit() and len(expires_at) < 16):
            return False
        expected = self._sign(reference, int(expires_at))
        return hmac.compare_digest(signature.encode(), expected.encode()) and (
            now < int(expires_at))

    def _sign(self, reference: str, expires_at: int) -> str:
        payload = f"{PURPOSE}:{reference}:{expires_at}".encode()
        digest = hmac.new(self.key, payload, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
