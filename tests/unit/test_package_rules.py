"""The house rules of chalicelib that import-linter does not cover: no import cycles.

import-linter (`make lint`, contracts in pyproject.toml) keeps core free of AWS,
Chalice and the outer packages. This test keeps every module of chalicelib free of
cycles, counting imports inside functions too (they run, just later); imports under
TYPE_CHECKING never run and do not count.
"""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest


def import_cycles(package: str) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    graph = grimp.build_graph(package, exclude_type_checking_imports=True)
    imports = {module: sorted(graph.find_modules_directly_imported_by(module) & graph.modules)
               for module in sorted(graph.modules)}
    order: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        order[module] = lowest[module] = len(order)
        stack.append(module)
        for imported in imports[module]:
            if imported not in order:
                visit(imported)
                lowest[module] = min(lowest[module], lowest[imported])
            elif imported in stack:
                lowest[module] = min(lowest[module], order[imported])
        if lowest[module] == order[module]:
            group = stack[stack.index(module):]
            del stack[stack.index(module):]
            if len(group) > 1 or module in imports[module]:
                cycles.append(sorted(group))

    for module in imports:
        if module not in order:
            visit(module)
    return cycles


def test_no_module_of_chalicelib_is_part_of_an_import_cycle() -> None:
    assert import_cycles("chalicelib") == []


def test_the_cycle_check_finds_a_cycle_when_there_is_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "cyclic"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "first.py").write_text("from cyclic import second\n")
    (package / "second.py").write_text("def later():\n    from cyclic import first\n")
    (package / "alone.py").write_text("import json\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    assert import_cycles("cyclic") == [["cyclic.first", "cyclic.second"]]
