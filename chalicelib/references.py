"""Inquiry references a person can read aloud on the phone: "K7QM-X3PA".

Eight characters from an alphabet without 0/O, 1/I/L (31 symbols, about 8.5e11
references); uniqueness is enforced by the conditional write in store.py.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{symbols[:4]}-{symbols[4:]}"
