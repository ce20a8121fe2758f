"""The admins' command line tool (chalicelib/admin_cli.py): check, route, table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chalicelib.admin.cli import main
from chalicelib.core.languages import LANGUAGES
from chalicelib.core.routing_file import BUNDLED_ROUTING_FILE, bundled_routing
from tests.unit.core.clinic_routing import CLINIC, LABELS

# Two topics: health with two contacts (only the second speaks Arabic) and a deputy;
# other, the fallback. Frida is away over Christmas 2026.
SMALL = f"""
fallback_topic = "other"

{CLINIC}
[contacts.deputy]
name = "Dana Deputy"
role = "Vertretung"
email = "deputy@example.org"
organisation = "clinic"
staff_language = "en"
languages = ["de", "en"]

[topics.health]
contacts = ["first", "second"]
deputy = "deputy"
{LABELS}

[topics.alone]
contacts = ["first"]
deputy = "deputy"
{LABELS}

[topics.other]
contacts = ["second"]
{LABELS}

[[absences]]
contact = "first"
first_day = 2026-12-21
last_day = 2027-01-04
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "routing.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


# ------------------------------------------------------------------------- check


def test_the_bundled_file_checks_clean(capsys: pytest.CaptureFixture[str]) -> None:
    config = bundled_routing()

    assert main(["check"]) == 0

    out = capsys.readouterr().out
    assert out.endswith(
        f": OK — {len(config.topics)} topics, {len(config.contacts)} contacts, "
        f"{len(config.absences)} absence{'' if len(config.absences) == 1 else 's'}\n")
    assert out.startswith("chalicelib/routing.toml: OK") or out.startswith(
        str(BUNDLED_ROUTING_FILE))


def test_a_small_file_checks_clean_and_counts_its_absence(
    small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(small)]) == 0

    assert capsys.readouterr().out == f"{small}: OK — 3 topics, 3 contacts, 1 absence\n"


def test_a_broken_file_exits_1_listing_every_problem_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "routing.toml"
    broken.write_text(
        SMALL.replace('email = "second@example.org"', 'email = "second(at)example.org"')
        .replace("[topics.other]\ncontacts", "[topics.other]\ncontats"),
        encoding="utf-8",
    )
    lines = broken.read_text(encoding="utf-8").splitlines()

    assert main(["check", str(broken)]) == 1

    out = capsys.readouterr().out.splitlines()
    problems, summary = out[:-1], out[-1]
    assert summary == f"{len(problems)} problems"
    assert len(problems) >= 2
    email_line = lines.index('email = "second(at)example.org"') + 1
    typo_line = lines.index('contats = ["second"]') + 1
    assert any(p.startswith(f"{broken}:{email_line}: contacts.second.email: ")
               for p in problems), problems
    assert f"{broken}:{typo_line}: topics.other: unknown key 'contats' " \
           "(did you mean 'contacts'?)" in problems
    for problem in problems:
        assert re.match(rf"{re.escape(str(broken))}:(\d+:)? \S", problem), problem


def test_a_file_that_is_not_toml_is_reported_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "routing.toml"
    broken.write_text(SMALL.replace('name = "Klinik am Hafen"', 'name = "Klinik am Hafen'),
                      encoding="utf-8")
    line = SMALL.splitlines().index('name = "Klinik am Hafen"') + 1

    assert main(["check", str(broken)]) == 1

    out = capsys.readouterr().out
    assert out.startswith(f"{broken}:{line}: routing.toml: not valid TOML")
    assert out.endswith("\n1 problem\n")


def test_a_missing_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(tmp_path / "nowhere.toml")]) == 2

    assert "nowhere.toml: cannot read it" in capsys.readouterr().err


# ------------------------------------------------------------------------- route


def test_route_names_the_deputy_while_every_contact_of_the_topic_is_absent(
    small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["route", "--topic", "alone", "--language", "de", "--on", "2026-12-24",
                 "--file", str(small)])

    out = capsys.readouterr().out
    assert code == 0
    assert "Dana Deputy (deputy)" in out
    assert "deputy@example.org" in out
    assert "Klinik am Hafen" in out
    assert "en (English)" in out  # her staff language
    reasons = out.split("Why:\n")[1].split("\n\n")[0].splitlines()
    assert reasons == ["  - first is absent on 2026-12-24",
                       "  - deputy is the deputy of topic 'alone'"]


def test_route_outside_the_absence_names_the_first_contact(
    small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["route", "--topic", "alone", "--language", "de", "--on", "2027-01-05",
                 "--file", str(small)]) == 0

    out = capsys.readouterr().out
    assert "Frida First (first)" in out
    assert "absent" not in out


def test_route_chooses_the_second_contact_who_speaks_the_residents_language(
    small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["route", "--topic", "health", "--language", "ar", "--on", "2026-06-01",
                 "--file", str(small)]) == 0

    out = capsys.readouterr().out
    assert "Samir Second (second)" in out
    assert "second@example.org" in out
    assert "ar (العربية), the language of the email to them" in out
    assert "  - second is the first contact of 'health' present who speaks ar" in out


def test_route_in_a_language_nobody_speaks_takes_the_first_contact_and_says_so(
    small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["route", "--topic", "health", "--language", "tr", "--on", "2026-06-01",
                 "--file", str(small)]) == 0

    out = capsys.readouterr().out
    assert "Frida First (first)" in out
    assert "answers in:     de (not tr)" in out


def test_route_for_an_unknown_topic_explains_the_fallback_and_lists_the_topics(
    small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["route", "--topic", "astrology", "--language", "de", "--on", "2026-06-01",
                 "--file", str(small)]) == 0

    out = capsys.readouterr().out
    assert "topic 'astrology' does not exist: fallback topic 'other'" in out
    assert "The topics of this file: health, alone, other" in out


def test_route_in_an_unknown_language_exits_2_listing_the_languages(
    capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["route", "--topic", "health", "--language", "fr"]) == 2

    err = capsys.readouterr().err
    assert "unknown language 'fr'" in err
    for code, language in LANGUAGES.items():
        assert f"{code}  {language.endonym}" in err


def test_route_on_a_day_that_is_no_day_is_a_usage_error(
    capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["route", "--topic", "health", "--language", "de", "--on", "24.12.2026"])

    assert exited.value.code == 2
    assert "'24.12.2026' is not a day: write it as YYYY-MM-DD" in capsys.readouterr().err


def test_route_on_a_broken_file_prints_its_problems_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "routing.toml"
    broken.write_text(SMALL.replace('fallback_topic = "other"', 'fallback_topic = "others"'),
                      encoding="utf-8")

    assert main(["route", "--topic", "health", "--language", "de", "--file", str(broken)]) == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"{broken}:2: fallback_topic: 'others' is not a topic of this file "
        "(did you mean 'other'?)\n1 problem\n")


# ------------------------------------------------------------------------- table


def test_the_table_lists_every_bundled_topic_in_every_language(
    capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["table", "--on", "2026-06-01"]) == 0

    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.startswith("topic "))
    assert header.split() == ["topic", *LANGUAGES]
    for key, topic in bundled_routing().topics.items():
        row = next(line for line in lines if line.startswith(f"{key} "))
        assert len(row.split()) == 1 + len(LANGUAGES), row
        assert {cell.rstrip("*") for cell in row.split()[1:]} <= set(bundled_routing().contacts)
        assert row.split()[1].rstrip("*") in {c.key for c in topic.contacts} | (
            {topic.deputy.key} if topic.deputy else set())


def test_the_table_marks_the_cells_that_do_not_go_to_the_first_contact(
    small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["table", "--on", "2026-06-01", "--file", str(small)]) == 0

    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line.split()[1:] for line in lines
            if line.split() and line.split()[0] in {"health", "alone", "other"}}
    # Only the Arabic column of health differs: the second contact speaks it.
    # In the languages' order: only Arabic (the third) goes to the second contact.
    assert rows["health"] == ["first", "first", "second*"] + ["first"] * (len(LANGUAGES) - 3)
    assert rows["alone"] == ["first"] * len(LANGUAGES)
    assert rows["other"] == ["second"] * len(LANGUAGES)
    assert any(line.startswith("* not the topic's first contact") for line in lines)
    assert "Nobody is absent on 2026-06-01." in lines


def test_the_table_during_an_absence_shows_the_deputy_and_who_is_away(
    small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["table", "--on", "2026-12-24", "--file", str(small)]) == 0

    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line.split()[1:] for line in lines
            if line.split() and line.split()[0] in {"health", "alone", "other"}}
    assert rows["health"] == ["second*"] * len(LANGUAGES)  # first is away, second is present
    assert rows["alone"] == ["deputy*"] * len(LANGUAGES)
    assert rows["other"] == ["second"] * len(LANGUAGES)
    assert "Absent on 2026-12-24: first (2026-12-21 to 2027-01-04)" in lines


def test_the_table_columns_line_up(small: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["table", "--on", "2026-12-24", "--file", str(small)])

    lines = capsys.readouterr().out.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("topic "))
    header, rule = lines[start], lines[start + 1]
    columns = [match.start() for match in re.finditer(r"-+", rule)]
    assert [match.start() for match in re.finditer(r"\S+", header)] == columns
    for row in lines[start + 2:start + 5]:
        assert [match.start() for match in re.finditer(r"\S+", row)] == columns


def test_the_table_on_a_broken_file_prints_its_problems_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "routing.toml"
    broken.write_text(SMALL.replace('staff_language = "en"', 'staff_language = "english"'),
                      encoding="utf-8")
    line = SMALL.splitlines().index('staff_language = "en"') + 1

    assert main(["table", "--file", str(broken)]) == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(
        f"{broken}:{line}: contacts.deputy.staff_language: unknown language 'english'")
    assert re.search(r"\n\d+ problems?\n$", captured.err)


# ------------------------------------------------- check: texts that break headers


def _bundled_with(old: str, new: str) -> str:
    text = BUNDLED_ROUTING_FILE.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


def _line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


@pytest.mark.parametrize(("old", "new", "character"), [
    ('name = "Anna Meier"', 'name = "Anna Meier\\r\\nBcc: eve@evil.example"', "U+000D"),
    ('name = "Deutsches Rotes Kreuz"', 'name = "Deutsches\\tRotes Kreuz"', "U+0009"),
    ('role = "Pressestelle"', 'role = "Presse\\u0000stelle"', "U+0000"),
    ('address = "Rathausplatz 1, 24937 Flensburg"',
     'address = "Rathausplatz 1\\u2028 24937 Flensburg"', "U+2028"),
    ('de = "Bildung"', 'de = "Bildung\\n"', "U+000A"),
    ('de = "Bildung"', 'de = "Bil\\u202edung"', "U+202E"),
], ids=["contact-name-crlf", "organisation-tab", "role-nul", "privacy-line-separator",
        "label-newline", "label-bidi-override"])
def test_check_refuses_a_control_character_in_any_text_with_its_line(
    old: str, new: str, character: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _bundled_with(old, new)
    path = tmp_path / "routing.toml"
    path.write_text(text, encoding="utf-8")

    assert main(["check", str(path)]) == 1

    out = capsys.readouterr().out
    line = _line_of(text, new.split(" = ")[1][:8])
    assert f"routing.toml:{line}: " in out
    assert f"contains the control character {character}" in out
    assert "write every text on one line" in out


def test_check_for_a_stage_refuses_a_contact_outside_the_stages_domains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _bundled_with('email = "presse@drk.de"', 'email = "presse@drk-spenden.example"')
    path = tmp_path / "routing.toml"
    path.write_text(text, encoding="utf-8")

    assert main(["check", str(path)]) == 0, "without a stage, any domain may be right"
    capsys.readouterr()
    assert main(["check", str(path), "--stage", "prod"]) == 1

    out = capsys.readouterr().out
    line = _line_of(text, "presse@drk-spenden.example")
    assert (f"routing.toml:{line}: contacts.andrea-becker.email: 'drk-spenden.example' "
            "is not a domain this stage may send inquiries to") in out


def test_the_bundled_file_checks_clean_for_both_stages(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--stage", "dev"]) == 0
    assert main(["check", "--stage", "prod"]) == 0
