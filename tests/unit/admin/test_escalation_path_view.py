"""What `wegweiser route` and `wegweiser table` show of an inquiry nobody claims: each
deadline, whom each step reaches, and the steps that are skipped (chalicelib/admin/cli.py,
planned by chalicelib/core/escalation_path.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chalicelib.admin.cli import main
from tests.unit.core.clinic_routing import CLINIC, LABELS

# The clinic of the routing tests with a deputy and a lead (the escalation contact):
# health's deputy is away on Tuesday 8 December 2026, when its escalation is due; quick
# answers within one working day (no reminder), and its deputy is the lead; other has
# no deputy. (A retention shorter than the loop is refused by the check, so no step
# here falls after the retention: tests/unit/core/test_escalation_path.py has that case.)
CLINIC_WITH_A_LEAD = f"""
fallback_topic = "other"
escalation_contact = "lead"

{CLINIC}
[contacts.deputy]
name = "Dana Deputy"
email = "deputy@example.org"
organisation = "clinic"
staff_language = "en"
languages = ["de", "en"]

[contacts.lead]
name = "Lena Lead"
email = "lead@example.org"
organisation = "clinic"
staff_language = "de"
languages = ["de"]

[topics.health]
contacts = ["first", "second"]
deputy = "deputy"
{LABELS}

[topics.quick]
contacts = ["first"]
deputy = "lead"
response_days = 1
{LABELS}

[topics.other]
contacts = ["second"]
{LABELS}

[[absences]]
contact = "deputy"
first_day = 2026-12-08
last_day = 2026-12-08
"""


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    path = tmp_path / "routing.toml"
    path.write_text(CLINIC_WITH_A_LEAD, encoding="utf-8")
    return path


def route(capsys: pytest.CaptureFixture[str], topic: str, on: str, *more: str,
          language: str = "de") -> list[str]:
    """The lines of `wegweiser route`'s escalation path, from its heading to its end."""
    assert main(["route", "--topic", topic, "--language", language, "--on", on, *more]) == 0
    out = capsys.readouterr().out
    start = out.index("If nobody claims it")
    return out[start:].split("\n\n")[0].splitlines()


def table_below(heading: str, lines: list[str]) -> list[list[str]]:
    """The rows of the table under `heading`, each cell cut at the columns of its rule."""
    start = lines.index(heading) + 2
    rule = lines[start + 1]
    spans = [(match.start(), match.end()) for match in re.finditer(r"-+", rule)]
    rows = []
    for line in lines[start:]:
        if not line:
            break
        rows.append([line[begin:end].strip() for begin, end in spans])
    return [rows[0], *rows[2:]]


# ------------------------------------------------------------------------- route


def test_route_shows_the_deadlines_and_the_shipped_path_to_the_alarm(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert route(capsys, "education", "2026-12-01") == [
        "If nobody claims it (received Tue 2026-12-01 09:00, Flensburg time):",
        "  - Wed 2026-12-02 09:00  reminder to anna-meier (after 1 working day)",
        "  - Tue 2026-12-08 09:00  escalated to the deputy of education, stefan-schulz "
        "(after 5 working days)",
        "  - Wed 2026-12-09 09:00  skipped: the escalation contact, anna-meier, had it already",
        "  Nobody is left after that: an ALARM in the log.",
    ]


def test_route_shows_the_path_after_the_contact_and_the_reasons_for_the_contact(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["route", "--topic", "work", "--language", "de", "--on", "2026-12-01"]) == 0

    out = capsys.readouterr().out
    assert out.index("answers in:") < out.index("Why:") < out.index("If nobody claims it")
    assert out.split("Why:\n")[1].split("\n\n")[0].splitlines() == [
        "  - stefan-schulz is the first contact of topic 'work' present"]


def test_route_skips_a_deputy_absent_on_the_day_and_escalates_to_the_lead(
    clinic: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert route(capsys, "health", "2026-12-01", "--file", str(clinic)) == [
        "If nobody claims it (received Tue 2026-12-01 09:00, Flensburg time):",
        "  - Wed 2026-12-02 09:00  reminder to first (after 1 working day)",
        "  - Tue 2026-12-08 09:00  skipped: the deputy of health: deputy is absent on 2026-12-08",
        "  - Wed 2026-12-09 09:00  escalated to the escalation contact, lead "
        "(after 6 working days)",
        "  No further step: lead has it until the retention ends Sun 2027-05-30 10:00 "
        "(180 days).",
    ]


def test_route_says_why_a_topic_answered_within_a_day_has_no_reminder(
    clinic: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert route(capsys, "quick", "2026-12-01", "--file", str(clinic))[1:] == [
        "  - no reminder: the topic's response_days (1) are not above the routing's "
        "remind_after_days (1)",
        "  - Wed 2026-12-02 09:00  escalated to the deputy of quick, lead (after 1 working day)",
        "  - Thu 2026-12-03 09:00  skipped: the escalation contact, lead, had it already",
        "  Nobody is left after that: an ALARM in the log.",
    ]


def test_route_without_a_deputy_says_so_and_goes_on_to_the_lead(
    clinic: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    lines = route(capsys, "other", "2026-12-01", "--file", str(clinic))

    assert "  - Tue 2026-12-08 09:00  skipped: there is no deputy of other" in lines
    assert lines[-1].startswith("  No further step: lead has it")


def test_route_on_a_saturday_says_the_working_days_count_from_monday(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lines = route(capsys, "education", "2026-12-05")

    assert lines[:3] == [
        "If nobody claims it (received Sat 2026-12-05 09:00, Flensburg time):",
        "  (Sat 2026-12-05 is not a working day: the working days count from "
        "Mon 2026-12-07 00:00.)",
        "  - Tue 2026-12-08 00:00  reminder to anna-meier (after 1 working day)",
    ]


def test_route_over_christmas_counts_no_holiday(capsys: pytest.CaptureFixture[str]) -> None:
    lines = route(capsys, "education", "2026-12-24")

    assert [line[:26] for line in lines[1:4]] == [
        "  - Mon 2026-12-28 09:00  ", "  - Mon 2027-01-04 09:00  ", "  - Tue 2027-01-05 09:00  "]


# ------------------------------------------------------------------------- table

PATHS = "If nobody claims an inquiry received Tue 2026-12-01 09:00 (Flensburg time):"


def test_the_table_shows_each_topics_deadlines_and_path_below_who_receives_what(
    clinic: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["table", "--on", "2026-12-01", "--file", str(clinic)]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines.index("Nobody is absent on 2026-12-01.") < lines.index(PATHS)
    assert table_below(PATHS, lines) == [
        ["days", "topic", "reminder", "deputy", "escalation contact"],
        ["1, 5, 6", "health", "first+", "skipped (absent)", "lead"],
        ["—, 1, 2", "quick", "—", "lead", "skipped (had it)"],
        ["1, 5, 6", "other", "second", "skipped (none)", "lead"],
    ]


def test_the_table_explains_its_marks_and_where_to_see_the_dates(
    clinic: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    main(["table", "--on", "2026-12-01", "--file", str(clinic)])

    out = capsys.readouterr().out
    assert "— no reminder: the topic's response_days are not above remind_after_days." in out
    assert ("When the\n  escalation contact is skipped, nobody is left: an ALARM in the log."
            in out)
    assert ("+ for an inquiry in de; in another language the first contact, and so the "
            "path, differs.") in out  # health in Arabic goes to second
    assert out.endswith(
        "`wegweiser route --topic T --language L --on DAY` shows the dates and why.\n")


def test_the_table_of_the_shipped_routing_skips_the_lead_for_every_topic(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["table", "--on", "2026-12-01"]) == 0

    rows = table_below(PATHS, capsys.readouterr().out.splitlines())
    assert rows[1] == ["1, 5, 6", "education", "anna-meier", "stefan-schulz",
                       "skipped (had it)"]
    assert ["1, 3, 4", "health", "andrea-becker", "anna-meier", "skipped (had it)"] in rows
    assert {row[4] for row in rows[1:]} == {"skipped (had it)"}, "anna-meier had each"


def test_the_paths_table_columns_line_up(
    clinic: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    main(["table", "--on", "2026-12-01", "--file", str(clinic)])

    lines = capsys.readouterr().out.splitlines()
    start = lines.index(PATHS) + 2
    header, rule = lines[start], lines[start + 1]
    columns = [match.start() for match in re.finditer(r"-+", rule)]
    assert [match.start() for match in re.finditer(r"\S+", header.replace(
        "escalation contact", "escalation_contact"))] == columns
    assert all(line[column - 2:column] == "  " for line in lines[start + 2:start + 5]
               for column in columns[1:])
