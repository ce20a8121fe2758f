"""Signed, time-stamped form tokens: a cheap defence against bots without third parties.

A token is "<issued_at_ms>.<nonce>.<signature>": HMAC-SHA256 over the issue time (in
milliseconds, so "3 seconds" is never 2.1) and a random
nonce with a per-stage secret. It is accepted from `min_fill_seconds` after issue (a
person needs time to write) until `max_age_seconds` (24 h); nothing is stored for it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from chalicelib.core.inquiry import TokenProblem

MAX_AGE_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class FormTokens:
    secret: bytes
    min_fill_seconds: float
    max_age_seconds: float = MAX_AGE_SECONDS

    def issue(self, now: float) -> str:
        payload = f"{int(now * 1000)}.{secrets.token_urlsafe(12)}"
        return f"{payload}.{self._sign(payload)}"

    def problem(self, token: str, now: float) -> TokenProblem | None:
        """None for a token that may be used now, else the error code that says why not."""
        if not token:
            return TokenProblem.MISSING
        payload, _, signature = token.rpartition(".")
        issued_at, _, nonce = payload.partition(".")
        # Compared as bytes: compare_digest refuses non-ASCII str, and tokens come from anyone.
        if not (issued_at.isascii() and issued_at.isdigit() and nonce and hmac.compare_digest(
                signature.encode(), self._sign(payload).encode())):
            return TokenProblem.INVALID
        age = now - int(issued_at) / 1000
        if age < self.min_fill_seconds:
            return TokenProblem.TOO_FAST
        if age > self.max_age_seconds:
            return TokenProblem.EXPIRED
        return None

    def reference_seed(self, token: str) -> bytes:
        """A secret-keyed digest of the token's nonce: the same form, the same seed."""
        nonce = token.split(".")[1] if token.count(".") == 2 else token
        return hmac.new(self.secret, f"reference:{nonce}".encode(), hashlib.sha256).digest()

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self.secret, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
