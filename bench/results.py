"""One row of the bench's table, and the two ways it is reported: a table and bench-results.json.

A row with a floor is judged by its ratio to that floor, one without by its value;
either way `goal` is the bound it must stay under, so a reader of the JSON needs no
other rule than "ratio if there is one, else value".
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


class MeasurementFailed(RuntimeError):
    """A measurement could not be taken (the work failed, or ours and the floor differ)."""


@dataclass(frozen=True)
class Row:
    name: str
    value: float
    unit: str
    goal: float
    floor: float | None = None  # the same figure for the floor, measured in the same run
    strict: bool = False  # the bound is "<" rather than "≤"

    @property
    def ratio(self) -> float | None:
        return None if self.floor is None else self.value / self.floor

    @property
    def judged(self) -> float:
        """What the goal bounds: the ratio where there is a floor, else the value."""
        return self.value if self.ratio is None else self.ratio

    @property
    def met(self) -> bool:
        return self.judged < self.goal if self.strict else self.judged <= self.goal

    def as_json(self) -> dict[str, Any]:
        ratio = self.ratio
        return {
            "name": self.name,
            "value": _round(self.value),
            "unit": self.unit,
            "floor": None if self.floor is None else _round(self.floor),
            "ratio": None if ratio is None else round(ratio, 3),
            "goal": self.goal,
            "met": self.met,
        }

    def as_fields(self) -> dict[str, Any]:
        """Every field, to pass a row from a measuring process to the one reporting it."""
        return asdict(self)


def _round(number: float) -> float:
    return float(f"{number:.4g}")


def _number(number: float | None) -> str:
    return "—" if number is None else f"{number:.4g}"


def _cells(row: Row) -> tuple[str, ...]:
    ratio = row.ratio
    bound = f"{'<' if row.strict else '≤'} {row.goal:g}"
    return (
        row.name,
        _number(row.value),
        row.unit,
        _number(row.floor),
        "—" if ratio is None else f"{ratio:.3f}",
        bound if ratio is None else f"ratio {bound}",
        "yes" if row.met else "NO",
    )


def table(rows: list[Row]) -> str:
    """The rows as an aligned text table: row, value, unit, floor, ratio, goal, met."""
    lines: list[tuple[str, ...]] = [("row", "value", "unit", "floor", "ratio", "goal", "met")]
    lines += [_cells(row) for row in rows]
    widths = [max(len(line[column]) for line in lines) for column in range(len(lines[0]))]
    left = {0, 2, 6}  # text columns; numbers are right-aligned
    return "\n".join(
        "  ".join(cell.ljust(width) if column in left else cell.rjust(width)
                  for column, (cell, width) in enumerate(zip(line, widths, strict=True))).rstrip()
        for line in lines
    )


def write_json(rows: list[Row], path: Path) -> None:
    path.write_text(json.dumps([row.as_json() for row in rows], indent=2) + "\n")
