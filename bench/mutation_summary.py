"""`make mutation`: run mutmut over chalicelib/core and say in one line how strong the tests are.

Why this exists: mutmut's own output ends with a row of emoji counts and a rate in
mutations per second, but neither the share of mutants killed (the figure the goal is
stated in) nor how long the run took. This runs `mutmut run` from a clean mutants/
directory, asks mutmut for its figures (`mutmut export-cicd-stats`) and prints

    mutation: 2322 mutants, 2218 killed, 104 survived, 0 no tests, 0 timeouts, 95.5 % killed, 186 s

"Killed" counts only mutants a test failed on; timeouts are shown apart, not counted as
killed. Every run starts from scratch on purpose: mutmut 3 keeps the verdicts of
unchanged functions between runs, so a survivor stays "survived" and a mutant without a
test stays "no tests" after a new test was written, and the figure would be stale.
`mutmut results` and `mutmut show NAME` then name and show the survivors.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench import PROJECT_DIR

MUTANTS_DIR = PROJECT_DIR / "mutants"
STATS_FILE = MUTANTS_DIR / "mutmut-cicd-stats.json"
MUTMUT = Path(sys.executable).parent / "mutmut"  # the virtualenv's, beside this python


@dataclass(frozen=True)
class MutationFigures:
    total: int
    killed: int
    survived: int
    no_tests: int
    timeouts: int
    other: int  # suspicious, segfault, skipped, interrupted: should be 0

    @classmethod
    def from_stats(cls, stats: dict[str, object]) -> MutationFigures:
        def count(key: str) -> int:
            value = stats.get(key, 0)
            return value if isinstance(value, int) and not isinstance(value, bool) else 0

        total, killed, survived = count("total"), count("killed"), count("survived")
        no_tests, timeouts = count("no_tests"), count("timeout")
        return cls(total, killed, survived, no_tests, timeouts,
                   other=total - killed - survived - no_tests - timeouts)

    @property
    def share_killed(self) -> float:
        return self.killed / self.total if self.total else 0.0

    def line(self, seconds: float) -> str:
        other = f", {self.other} other" if self.other else ""
        return (f"mutation: {self.total} mutants, {self.killed} killed, {self.survived} survived, "
                f"{self.no_tests} no tests, {self.timeouts} timeouts{other}, "
                f"{100 * self.share_killed:.1f} % killed, {seconds:.0f} s")


def run_mutmut() -> float:
    """Run mutmut from scratch; the seconds it took. Exits with mutmut's status if it fails."""
    shutil.rmtree(MUTANTS_DIR, ignore_errors=True)
    started = time.monotonic()
    run = subprocess.run([str(MUTMUT), "run"], cwd=PROJECT_DIR, check=False)  # noqa: S603
    seconds = time.monotonic() - started
    if run.returncode != 0:
        sys.exit(f"mutmut run failed with exit status {run.returncode}")
    subprocess.run([str(MUTMUT), "export-cicd-stats"], cwd=PROJECT_DIR,  # noqa: S603
                   check=True, capture_output=True)
    return seconds


def main() -> None:
    seconds = run_mutmut()
    stats = json.loads(STATS_FILE.read_text(encoding="utf-8"))
    print()
    print(MutationFigures.from_stats(stats).line(seconds))


if __name__ == "__main__":
    main()
