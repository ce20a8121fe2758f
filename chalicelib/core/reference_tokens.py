"""Signed tokens bound to one inquiry and one purpose, for the resident's links.

A token is "<expires, Unix seconds>.<signature>": an HMAC, with a key of its own per
job (hashing.derive_key), over the purpose, the reference and the end of the
inquiry's retention. The purpose is signed too, so a status link's token opens no
answer page, even if both keys were one. Nothing is stored for a token; it is useless
once the inquiry is gone. (Claim tokens, core/claims.py, also bind the contact.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

MAX_TOKEN_LENGTH = 100  # the expiry in Unix seconds and 22 characters of signature, with room
SIGNATURE_BYTES = 16  # 128 bits: as hard to guess as any key


@dataclass(frozen=True)
class ReferenceTokens:
    key: bytes  # derived from the stage's secret for this job alone
    purpose: str  # "status", "answer": signed with the reference

    def issue(self, reference: str, expires_at: datetime) -> str:
        expires = int(expires_at.timestamp())
        return f"{expires}.{self._sign(reference, expires)}"

    def valid(self, reference: str, token: str, now: datetime) -> bool:
        """True for a token issued for this reference and purpose that has not expired;
        False for a malformed, forged, foreign or expired one alike."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return False
        expires, _, signature = token.partition(".")
        if not (expires.isascii() and expires.isdigit() and len(expires) < 16):
            return False
        # Compared as bytes: compare_digest refuses non-ASCII str, and links reach anyone.
        expected = self._sign(reference, int(expires))
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            return False
        return now.timestamp() < int(expires)

    def _sign(self, reference: str, expires: int) -> str:
        message = f"{self.purpose}:{reference}:{expires}".encode()
        digest = hmac.new(self.key, message, hashlib.sha256).digest()[:SIGNATURE_BYTES]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
