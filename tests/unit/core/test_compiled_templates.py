"""The templates compiled at package time (core/templating.py) say exactly what their
sources say, and are used only while they are the sources' compilation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from jinja2 import FileSystemLoader, ModuleLoader

from chalicelib.core import templating
from chalicelib.core.languages import LANGUAGES
from chalicelib.core.routing_file import bundled_routing
from chalicelib.core.statistics import COLUMNS, read_cells
from chalicelib.core.statistics_report import as_table
from chalicelib.core.statistics_tables import HEADINGS, publish


@pytest.fixture
def compiled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "compiled"
    monkeypatch.setattr(templating, "COMPILED_DIR", folder)
    monkeypatch.setattr(templating, "COMPILED_STAMP", folder / "templates.sha256")
    templating._loader.cache_clear()
    assert templating.compile_templates() > 30
    yield folder
    templating._loader.cache_clear()


def test_a_compiled_template_renders_what_its_source_renders(compiled: Path) -> None:
    publication = publish(read_cells({"2026-12": {"education|ar|received": 7}}),
                          ["2026-12"], bundled_routing())
    context = {"publication": publication, "parts": [], "columns": COLUMNS,
               "headings": HEADINGS, "received": "received", "generated": date(2026, 12, 1),
               "email": False, "table": as_table(publication), "month": "Dezember 2026",
               "lang": LANGUAGES["de"]}
    for name in ("statistics/report.html", "statistics/report.txt"):
        sources = templating._new_environment(FileSystemLoader(templating.TEMPLATE_DIR), "de")
        modules = templating._new_environment(ModuleLoader(str(compiled)), "de")

        assert modules.get_template(name).render(**context) == (
            sources.get_template(name).render(**context))


def test_the_compiled_templates_are_used_only_while_they_match_the_sources(
    compiled: Path,
) -> None:
    assert isinstance(templating._loader(), ModuleLoader)

    (compiled / "templates.sha256").write_text("an older compilation", encoding="ascii")
    templating._loader.cache_clear()
    assert isinstance(templating._loader(), FileSystemLoader)
