"""The bundled routing as checked at package time: a snapshot that loads without re-checking.

Why it exists: a cold start used to parse routing.toml (pure-Python TOML) and run every
check of `wegweiser check` again, although `make package` had just run them on the same
file. `make package` now writes, after the check, the checked RoutingConfig as a pickle
beside the file (chalicelib/routing.snapshot, in the zip, not in git); a container loads
it in a fraction of the time the TOML parser alone takes (`make bench`, row routing_load).

A snapshot is used only if it was made from exactly this routing text, for exactly these
contact domains, by exactly this version of the routing model (its key hashes all three);
anything else, a missing or unreadable snapshot included, falls back to parsing and
checking the file. A remote routing (S3, SSM) is always parsed and checked when fetched.

Pickle runs code from the file it loads: this one is written by `make package` into the
same zip as the code that reads it, so whoever could change it could change the code.
"""

from __future__ import annotations

import hashlib
import pickle  # our own package's file, see the docstring  # nosec B403
from pathlib import Path

from chalicelib.core.routing import RoutingConfig

# The modules whose classes the snapshot holds: a change to any makes old snapshots stale.
_MODEL = [Path(__file__).with_name(name) for name in ("routing.py", "routing_snapshot.py")]


def snapshot_key(text: str, contact_domains: frozenset[str]) -> str:
    """What a snapshot must have been made from to stand for this file."""
    digest = hashlib.sha256(text.encode("utf-8"))
    digest.update("\n".join(sorted(contact_domains)).encode())
    for source in _MODEL:
        digest.update(source.read_bytes())
    return digest.hexdigest()


def write_snapshot(path: Path, text: str, contact_domains: frozenset[str],
                   config: RoutingConfig) -> None:
    """Keep the checked config for the packaged containers (called by `make package`)."""
    payload = {"key": snapshot_key(text, contact_domains), "config": config}
    path.write_bytes(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))


def read_snapshot(path: Path, text: str, contact_domains: frozenset[str]) -> RoutingConfig | None:
    """The checked config of this very file, or None (then the caller parses and checks)."""
    try:
        payload = pickle.loads(path.read_bytes())  # noqa: S301 (see the docstring)  # nosec B301
    except (OSError, pickle.UnpicklingError, AttributeError, EOFError, ImportError,
            TypeError, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("key") != snapshot_key(text, contact_domains):
        return None
    config = payload.get("config")
    return config if isinstance(config, RoutingConfig) else None
