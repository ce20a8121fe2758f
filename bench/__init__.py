"""`make bench`: Wegweiser's speed, memory and size, each beside a floor measured in the same run.

Machines are shared and noisy, so no figure here is a timed assertion: a speed or a
memory figure is a ratio against a bare Chalice app (bench/floor_app) doing the same
AWS work in the same run, and the absolute figures (render, routing, zip) have
generous bounds. `python -m bench` prints the table and writes bench-results.json.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
FLOOR_DIR = PROJECT_DIR / "bench" / "floor_app"  # the bare app every speed is compared with
