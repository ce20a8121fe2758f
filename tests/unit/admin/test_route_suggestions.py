"""`wegweiser route` with a mistyped topic key: it names the key meant and exits 2, instead
of quietly showing who receives inquiries of the fallback topic."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.admin.cli import main
from chalicelib.core.routing_file import BUNDLED_ROUTING_FILE

HOUSING = """
[contacts.mira-jansen]
name = "Mira Jansen"
role = "Wohnraumberatung"
email = "jansen.mira@flensburg.de"
organisation = "stadt"
staff_language = "de"
languages = ["de", "en", "ar"]

[topics.housing]
contacts = ["mira-jansen"]
deputy = "stefan-schulz"
labels.de = "Wohnen"
labels.en = "Housing"
labels.ar = "السكن"
labels.uk = "Житло"
labels.ru = "Жильё"
labels.fa = "مسکن"
labels.tr = "Konut"
labels.ps = "استوګنځی"
labels.kmr = "Xanî"
"""


@pytest.fixture
def with_housing(tmp_path: Path) -> Path:
    """The bundled file with the README's example: a topic "housing" for Mira Jansen."""
    path = tmp_path / "routing.toml"
    path.write_text(BUNDLED_ROUTING_FILE.read_text(encoding="utf-8") + HOUSING,
                    encoding="utf-8")
    assert main(["check", str(path)]) == 0
    return path


@pytest.mark.parametrize(("typed", "meant"), [
    ("Housing", "housing"), ("HOUSING", "housing"), ("housnig", "housing"), ("Helth", "health"),
])
def test_route_with_a_mistyped_topic_names_the_key_meant_and_exits_2(
    typed: str, meant: str, with_housing: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["route", "--topic", typed, "--language", "ar", "--on", "2026-12-01",
                 "--file", str(with_housing)]) == 2

    out, err = capsys.readouterr()
    assert out == "", "no routing is shown for a topic that is not in the file"
    assert f"no topic {typed!r} in " in err
    assert f"(did you mean {meant!r}?)" in err
    assert "The topics of this file: education, work, health" in err
    assert "housing" in err.splitlines()[-1]


def test_route_with_the_right_key_still_shows_the_contact(
    with_housing: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["route", "--topic", "housing", "--language", "ar", "--on", "2026-12-01",
                 "--file", str(with_housing)]) == 0

    out = capsys.readouterr().out
    assert "Mira Jansen (mira-jansen)" in out
    assert "fallback" not in out


def test_route_with_a_topic_like_none_of_the_file_still_explains_the_fallback(
    with_housing: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["route", "--topic", "astrology", "--language", "ar", "--on", "2026-12-01",
                 "--file", str(with_housing)]) == 0

    out = capsys.readouterr().out
    assert "topic 'astrology' does not exist: fallback topic 'other'" in out
