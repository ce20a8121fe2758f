"""Keys derived from the stage's one secret, and the keyed digests that stand in for a
resident's address or a client address in the store.

One secret, one key per job: a key that signs form tokens never also keys the address
digests, so a leak of one kind of output says nothing about the other. A digest is an
HMAC with the hash key (a salt that is never stored next to the data): the store can
count by address without keeping one. The purpose is part of the input, so one address
yields unrelated digests for the rate limit and for bounce records.
"""

from __future__ import annotations

import hashlib
import hmac


def keyed_digest(secret: bytes, purpose: str, value: str) -> str:
    """128 bits of HMAC-SHA256 as hex: enough to never collide in practice."""
    return hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def derive_key(secret: bytes, job: str) -> bytes:
    """A key for one job, derived from the stage's secret (HKDF-Expand with one block,
    RFC 5869: the secret is already a uniformly random key)."""
    return hmac.new(secret, f"wegweiser {job}".encode() + b"\x01", hashlib.sha256).digest()
