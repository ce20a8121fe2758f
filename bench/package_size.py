"""The zip row: the size of the prod stage's deployment.zip, as `make package` builds it.

Built afresh every time (chalice reuses its cached dependencies, so this takes about
a second), so the figure is never that of a stale zip.
"""

from __future__ import annotations

import subprocess

from bench import PROJECT_DIR
from bench.results import MeasurementFailed, Row

ZIP = PROJECT_DIR / "build" / "prod" / "deployment.zip"
ZIP_GOAL_MIB = 2.0


def measure() -> list[Row]:
    built = subprocess.run(
        ["make", "--no-print-directory", "package", "STAGE=prod"],  # noqa: S607 - make from PATH
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300, check=False,
    )
    if built.returncode != 0 or not ZIP.exists():
        raise MeasurementFailed(f"make package STAGE=prod: exit {built.returncode}\n"
                                f"{built.stdout[-2000:]}{built.stderr[-2000:]}")
    return [Row("zip", ZIP.stat().st_size / 2**20, "MiB", ZIP_GOAL_MIB, strict=True)]
