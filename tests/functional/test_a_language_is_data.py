"""A language is added by data, not code: a tenth language (Albanian, `sq`) in a copy of
the project, with its table in locale/languages.toml, its catalog and its topic labels
in the routing, is offered by the form, named in the staff email's words, and checked
by `wegweiser check`; the copy differs from the project in data files only.

The catalog of the fixture is the English text marked "[sq]": a stand-in for a real
translation, which is what `make extract` and a translator would give.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

PROJECT_DIR = Path(__file__).resolve().parents[2]
COPIED = ["app.py", "chalicelib", "templates", "locale", ".chalice"]
ALBANIAN = '''
[sq]
endonym = "Shqip"
direction = "ltr"
digit_group_separator = "."
names.de = "Albanisch"
names.en = "Albanian"
'''


def copy_of_the_project(into: Path) -> Path:
    into.mkdir()
    for name in COPIED:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, into / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, into / name)
    return into


def add_albanian(project: Path, *, label: bool = True) -> None:
    languages = project / "locale" / "languages.toml"
    languages.write_text(languages.read_text(encoding="utf-8") + ALBANIAN, encoding="utf-8")
    with (project / "locale" / "messages.pot").open("rb") as template:
        catalog = read_po(template, locale="sq")
    for message in catalog:
        if message.id:
            message.string = (tuple(f"[sq] {form}" for form in message.id)
                              if isinstance(message.id, tuple) else f"[sq] {message.id}")
    folder = project / "locale" / "sq" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.po").open("wb") as po:
        write_po(po, catalog)
    with (folder / "messages.mo").open("wb") as mo:
        write_mo(mo, catalog)
    if label:
        routing = project / "chalicelib" / "routing.toml"
        text = routing.read_text(encoding="utf-8")
        # Each topic's English label (and hint) again, as the Albanian one.
        text = re.sub(r'^(labels|urgent_hint)\.en = (".*")$', r'\g<0>\n\1.sq = \2', text,
                      flags=re.MULTILINE)
        routing.write_text(text, encoding="utf-8")


def run_in(project: Path, code: str) -> subprocess.CompletedProcess[str]:
    # The form page needs no AWS: an endpoint nobody answers on, as the dev stage demands.
    env = {**os.environ, "PYTHONPATH": str(project), "FORM_TOKEN_SECRET": "x" * 32,
           "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_DEFAULT_REGION": "eu-central-1"}
    return subprocess.run([sys.executable, "-c", code], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def with_albanian(tmp_path: Path) -> Path:
    project = copy_of_the_project(tmp_path / "wegweiser")
    add_albanian(project)
    return project


def test_a_tenth_language_is_offered_by_the_form_with_data_alone(with_albanian: Path) -> None:
    shown = run_in(with_albanian, """
from chalice.test import Client
import app
with Client(app.app) as client:
    page = client.http.get("/sq")
    print("STATUS", page.status_code)
    print(page.body.decode())
""")

    assert shown.returncode == 0, shown.stderr
    status, page = shown.stdout.split("STATUS ", 1)[1].split("\n", 1)
    assert status == "200"
    assert '<html lang="sq" dir="ltr">' in page
    assert "[sq] Write to us" in page
    assert "Shqip" in page, "the switcher names it in itself"


def test_the_staff_email_names_the_new_language_and_the_check_passes(
    with_albanian: Path,
) -> None:
    named = run_in(with_albanian, """
from chalicelib.core.messages import language_name
from chalicelib.admin.cli import main
print(language_name("sq", "de"))
raise SystemExit(main(["check"]))
""")

    assert named.returncode == 0, named.stdout + named.stderr
    assert named.stdout.startswith("Albanisch\n")
    assert "language sq" not in named.stderr, "nothing is missing for it"


def test_the_copy_differs_from_the_project_in_data_files_only(with_albanian: Path) -> None:
    changed: list[str] = []

    def compare(left: Path, right: Path, relative: Path) -> None:
        result = filecmp.dircmp(left, right, ignore=["__pycache__"])
        changed.extend(str(relative / name) for name in result.diff_files + result.right_only)
        for name in result.common_dirs:
            compare(left / name, right / name, relative / name)

    for name in COPIED:
        if (PROJECT_DIR / name).is_dir():
            compare(PROJECT_DIR / name, with_albanian / name, Path(name))
        elif not filecmp.cmp(PROJECT_DIR / name, with_albanian / name, shallow=False):
            changed.append(name)

    assert sorted(changed) == ["chalicelib/routing.toml", "locale/languages.toml", "locale/sq"]


def test_a_new_language_without_labels_is_named_by_the_check(tmp_path: Path) -> None:
    project = copy_of_the_project(tmp_path / "wegweiser")
    add_albanian(project, label=False)

    checked = run_in(project, """
from chalicelib.admin.cli import main
raise SystemExit(main(["check"]))
""")

    assert checked.returncode == 1
    assert "topics.education.labels.sq: missing label" in checked.stdout
