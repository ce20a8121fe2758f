"""A per-client limit on submissions, counted without keeping the client's address.

The address becomes a keyed digest (hashing.py) before it names a counter; the
counter expires after its hour. When the counter cannot be asked, the limit lets the
request through: refusing a resident because the limiter is down would be worse than
a few extra bot requests, which the honeypot and the form token still stop.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

from chalicelib.core.hashing import keyed_digest
from chalicelib.core.ports import Counter, CounterUnavailable
from chalicelib.core.telemetry import Event, emit

WINDOW_SECONDS = 3600


class RateLimited(RuntimeError):
    """Too many submissions from one client this hour; `retry_after` in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class RateLimit:
    counter: Counter
    secret: bytes
    per_hour: int  # submissions per client address and hour; 0: no limit

    def check(self, client_address: str, now: datetime) -> None:
        """Count one submission; RateLimited if the client is over its limit."""
        if self.per_hour <= 0:
            return
        window = int(now.timestamp()) // WINDOW_SECONDS
        window_end = (window + 1) * WINDOW_SECONDS
        client = keyed_digest(self.secret, "rate", client_network(client_address))
        try:
            hits = self.counter.add(f"rate#{client}#{window}", "hits", window_end)
        except CounterUnavailable as error:
            emit(Event.RATE_LIMIT_UNCHECKED, "rate limit not checked: %s", error)
            return
        if hits > self.per_hour:
            raise RateLimited(max(1, window_end - int(now.timestamp())))


def client_network(address: str) -> str:
    """The part of a client address that one client controls: an IPv4 address, or the
    /64 network of an IPv6 address (a home or phone network gets a whole /64, so its
    devices could otherwise take turns at the limit)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address  # not an address (a test client): counted as it is
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)
