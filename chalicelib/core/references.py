"""Inquiry references a person can read aloud on the phone: "K7QM-X3PA".

Eight characters from an alphabet without 0/O, 1/I/L (31 symbols, about 8.5e11
references); uniqueness is enforced by the store's conditional write. A reference can
be derived from a seed (the form token's), so the same form sent twice — a double
click — names the same inquiry.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PATTERN = f"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$"  # for checks and the API description


def reference_from(seed: bytes) -> str:
    """The reference a seed of at least 8 bytes stands for."""
    number = int.from_bytes(seed[:8], "big")
    symbols = []
    for _ in range(8):
        number, digit = divmod(number, len(ALPHABET))
        symbols.append(ALPHABET[digit])
    return f"{''.join(symbols[:4])}-{''.join(symbols[4:])}"


def new_reference() -> str:
    return reference_from(secrets.token_bytes(8))
