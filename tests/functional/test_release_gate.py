"""`make release STAGE=prod`, the go-live gate: it packages prod as `make package` does, then
refuses while routing.toml's [privacy] or [accessibility] still holds a placeholder, naming
each one. CI (`make lint`, `make test`) packages prod with the placeholders and never calls it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.unit.admin.test_privacy_placeholders import SHIPPED_PLACEHOLDERS

# The same worker as the other packaging tests (`make test` runs two xdist workers).
pytestmark = pytest.mark.xdist_group("package")

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_make_release_packages_prod_then_refuses_naming_every_placeholder() -> None:
    started = time.time()

    result = subprocess.run(
        [shutil.which("make") or "make", "--no-print-directory", "release", "STAGE=prod"],
        cwd=PROJECT_DIR, capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)},
    )

    assert result.returncode != 0, "the gate refuses while a placeholder is left"
    package = PROJECT_DIR / "build" / "prod" / "deployment.zip"
    assert package.stat().st_mtime >= started - 1, "make package ran first"
    named = re.findall(r"routing\.toml:\d+: (\S+) is still a placeholder", result.stdout)
    assert named == SHIPPED_PLACEHOLDERS
    assert "release refused: 11 placeholders left in chalicelib/routing.toml" in result.stdout


def test_ci_never_calls_the_gate() -> None:
    ci = (PROJECT_DIR / ".ci" / "run").read_text(encoding="utf-8")
    lint = (PROJECT_DIR / "Makefile").read_text(encoding="utf-8").split("\nlint:")[1]

    assert "release" not in ci
    assert "release" not in lint.split("\n\n")[0], "make lint packages prod, never releases it"
