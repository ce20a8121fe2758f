"""The routing snapshot (chalicelib/core/routing_snapshot.py): the checked config of exactly
this file, for exactly these domains, or nothing (then the file is parsed and checked)."""

from __future__ import annotations

from pathlib import Path

from chalicelib.core.routing_file import BUNDLED_ROUTING_FILE, parse_routing_text
from chalicelib.core.routing_snapshot import read_snapshot, write_snapshot

TEXT = BUNDLED_ROUTING_FILE.read_text(encoding="utf-8")
DOMAINS = frozenset({"integration-flensburg.de", "flensburg.de", "drk.de"})


def snapshot_of(tmp_path: Path) -> Path:
    path = tmp_path / "routing.snapshot"
    write_snapshot(path, TEXT, DOMAINS, parse_routing_text(TEXT, contact_domains=DOMAINS))
    return path


def test_a_snapshot_of_this_file_and_these_domains_is_the_checked_config(tmp_path: Path) -> None:
    loaded = read_snapshot(snapshot_of(tmp_path), TEXT, DOMAINS)

    assert loaded == parse_routing_text(TEXT, contact_domains=DOMAINS)


def test_an_edited_file_does_not_use_the_old_snapshot(tmp_path: Path) -> None:
    edited = TEXT.replace('name = "Anna Meier"', 'name = "Anna Schmidt"')

    assert read_snapshot(snapshot_of(tmp_path), edited, DOMAINS) is None


def test_other_contact_domains_do_not_use_the_snapshot(tmp_path: Path) -> None:
    assert read_snapshot(snapshot_of(tmp_path), TEXT, frozenset({"flensburg.de"})) is None


def test_a_missing_or_broken_snapshot_is_no_snapshot(tmp_path: Path) -> None:
    broken = tmp_path / "broken.snapshot"
    broken.write_bytes(b"not a pickle")

    assert read_snapshot(tmp_path / "missing.snapshot", TEXT, DOMAINS) is None
    assert read_snapshot(broken, TEXT, DOMAINS) is None
