"""Keyed digests that stand in for a resident's address or client address in the store.

An HMAC with the stage's secret (a salt that is never stored next to the data): the
store can count by address without keeping one. The purpose is part of the input, so
one address yields unrelated digests for the rate limit and for bounce records.
"""

from __future__ import annotations

import hashlib
import hmac


def keyed_digest(secret: bytes, purpose: str, value: str) -> str:
    """128 bits of HMAC-SHA256 as hex: enough to never collide in practice."""
    return hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()[:32]
