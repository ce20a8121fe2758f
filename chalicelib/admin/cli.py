"""`wegweiser`: the admins' tool for the routing config (chalicelib/routing.toml).

Why it exists: the people who change routing.toml are admins at the city, not
developers. Without this tool the only way to learn whether an edit is right is
`make test` (slow, and its failures are tracebacks), and the only way to learn who
receives an inquiry on a given day, with absences and deputies, is to read
core/routing.py. This tool answers both in plain English, with line numbers:

    wegweiser check [FILE]                      is the file right? every problem, with its line
    wegweiser check --release                   ... and no placeholder left? (the go-live gate)
    wegweiser route --topic T --language L      who receives it, and why; if nobody
                                                claims it, the deadlines and the
                                                escalation path, with skipped steps
    wegweiser table                             who receives what, topic by language;
                                                each topic's deadlines and escalation path
    wegweiser stats [--from M] [--to M]         the anonymous counts by month, topic and
            [--format table|csv|html]           language of the stage's table, small
                                                numbers hidden (README, "For the project lead")

`make package` runs `wegweiser check` first, so a broken file is never packaged.
It uses only the standard library and the project's own modules: nothing to set up
beyond the project's virtualenv. `stats` reads the stage's DynamoDB table with the
standard AWS environment (credentials, AWS_REGION, and AWS_ENDPOINT_URL for the
emulator of `make run`); the adapter that reads it comes from chalicelib/wiring.py,
which starts this tool.

Exit codes: 0 fine, 1 the config has problems, 2 a wrong command (unknown language,
a day that is not a day, a file that cannot be read).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from chalicelib.core.escalation_path import EscalationPath, PlannedStep, Skip, plan_escalation
from chalicelib.core.languages import LANGUAGES
from chalicelib.core.local_time import flensburg_time
from chalicelib.core.ports import StatisticsSource, StoreUnavailable
from chalicelib.core.records import Step
from chalicelib.core.routing import RoutingConfig, route_inquiry
from chalicelib.core.routing_file import (
    BUNDLED_ROUTING_FILE,
    BUNDLED_SNAPSHOT_FILE,
    PLACEHOLDER_MARK,
    RoutingConfigError,
    load_routing,
    parse_contact_domains,
)
from chalicelib.core.routing_snapshot import write_snapshot
from chalicelib.core.statistics import months_between
from chalicelib.core.statistics_report import as_csv, as_html, as_table, read_publication
from chalicelib.core.working_days import is_working_day, next_working_day

OK = 0
BROKEN = 1
USAGE = 2

# The stages' settings, as Chalice reads them: the admin runs this tool in the repository.
CHALICE_CONFIG = BUNDLED_ROUTING_FILE.parents[1] / ".chalice" / "config.json"

MARK = "*"
# A cell of the escalation table that is not the same in every language.
VARIES = "+"
# The escalation path is planned for an inquiry received at this time of the day asked.
RECEIVED_AT = time(9, 0)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


# The statistics of a table, by its name (the DynamoDB adapter, from wiring).
StatisticsFor = Callable[[str], StatisticsSource]
STATS_MONTHS = 12  # the default range: the last twelve months, this one included


def main(argv: Sequence[str] | None = None, *,
         statistics: StatisticsFor | None = None) -> int:
    """Run one command; the exit code says how it went (see the module docstring)."""
    args = _parser().parse_args(argv)
    command: str = args.command
    if command == "stats":
        if statistics is None:
            print("wegweiser: stats needs the table's adapter: run the installed "
                  "`wegweiser` command", file=sys.stderr)
            return USAGE
        return stats(statistics, args)
    if command == "check":
        if args.stage is None:
            return check(args.file, release=args.release, snapshot=args.snapshot)
        domains = stage_contact_domains(args.stage)
        if domains is None:
            print(f"wegweiser: no stage {args.stage!r} with CONTACT_DOMAINS in "
                  f"{_shown(CHALICE_CONFIG)}", file=sys.stderr)
            return USAGE
        return check(args.file, domains, release=args.release, snapshot=args.snapshot)
    if command == "route":
        return route(args.file, args.topic, args.language, args.on or date.today())
    return table(args.file, args.on or date.today())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wegweiser",
        description="Check the routing config and see who receives which inquiry.",
        epilog="Without FILE or --file: the bundled config, "
               f"{_shown(BUNDLED_ROUTING_FILE)}.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check_parser = commands.add_parser(
        "check", help="check a routing file and list every problem with its line",
        description="Check a routing file. Exit code 0: fine; 1: it has problems.")
    check_parser.add_argument("file", nargs="?", type=Path, default=BUNDLED_ROUTING_FILE,
                              metavar="FILE", help="the routing file (default: the bundled one)")
    check_parser.add_argument(
        "--stage", metavar="STAGE",
        help="also check that every contact and cc address has one of the stage's "
             "CONTACT_DOMAINS (.chalice/config.json), as the deployed stage will")
    check_parser.add_argument(
        "--snapshot", action="store_true",
        help="if the file is right, also write the checked config as chalicelib/"
             "routing.snapshot, which the packaged service loads without checking again "
             "(make package does this)")
    check_parser.add_argument(
        "--release", action="store_true",
        help=f"the go-live gate (make release): a value still marked {PLACEHOLDER_MARK!r} "
             "in [privacy] or [accessibility] is a problem, not a warning")

    route_parser = commands.add_parser(
        "route", help="who receives an inquiry about a topic in a language, and why",
        description="Show who receives an inquiry and the rules that decided it, and, if "
                    "nobody claims it, each deadline and whom it reaches (for an inquiry "
                    "received at 09:00 Flensburg time).")
    route_parser.add_argument("--topic", required=True, help="a topic key, such as health")
    route_parser.add_argument("--language", required=True,
                              help="the resident's language: " + ", ".join(LANGUAGES))
    _add_day_and_file(route_parser)

    table_parser = commands.add_parser(
        "table", help="who receives what on a day: every topic in every language",
        description="Print a table: for each topic and language, who receives the inquiry; "
                    "then, for each topic, the deadlines and the escalation path.")
    _add_day_and_file(table_parser)

    stats_parser = commands.add_parser(
        "stats", help="the anonymous counts by month, topic and language (small ones hidden)",
        description="Print the anonymous counts of the stage's table: inquiries received, "
                    "claimed (in time), escalated, answered yes or no, erased, and the "
                    "interpreters asked for, by month of receipt, topic and language. "
                    "Counts of 1 to 4 are shown as <5, and x hides a number that would "
                    "give a small one away through the totals.")
    stats_parser.add_argument("--from", dest="first", type=_month, metavar="YYYY-MM",
                              help=f"the first month (default: {STATS_MONTHS - 1} months "
                                   "before --to)")
    stats_parser.add_argument("--to", dest="last", type=_month, metavar="YYYY-MM",
                              help="the last month (default: this month)")
    stats_parser.add_argument("--format", choices=("table", "csv", "html"), default="table",
                              help="table for the terminal, csv (UTF-8) for a spreadsheet, "
                                   "html for one self-contained file to print or send")
    stats_parser.add_argument("--table", metavar="NAME",
                              help="the DynamoDB table (default: INQUIRY_TABLE, else "
                                   "wegweiser-inquiries; the stack's output InquiryTableName)")
    stats_parser.add_argument("--file", type=Path, default=BUNDLED_ROUTING_FILE, metavar="FILE",
                              help="the routing file whose German topic names to show "
                                   "(default: the bundled one)")
    return parser


def _month(text: str) -> str:
    try:
        return datetime.strptime(text, "%Y-%m").strftime("%Y-%m")
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a month: {text!r} (write it as YYYY-MM, "
                                         "such as 2026-12)") from None


def stats(statistics: StatisticsFor, args: argparse.Namespace) -> int:
    """Print the protected counts of a range of months in the format asked for."""
    today = flensburg_time(datetime.now().astimezone()).date()
    last: str = args.last or today.strftime("%Y-%m")
    first: str = args.first or months_between("0001-01", last)[-STATS_MONTHS]
    if first > last:
        print(f"wegweiser: --from {first} is after --to {last}", file=sys.stderr)
        return USAGE
    months = months_between(first, last)
    config = _load(args.file, sys.stderr)
    if isinstance(config, int):
        return config
    table_name = args.table or os.environ.get("INQUIRY_TABLE") or "wegweiser-inquiries"
    try:
        publication = read_publication(statistics(table_name), months, config)
    except StoreUnavailable as error:
        print(f"wegweiser: the table {table_name!r} cannot be read: {error}", file=sys.stderr)
        return USAGE
    if args.format == "csv":
        sys.stdout.write(as_csv(publication))
    elif args.format == "html":
        sys.stdout.write(as_html(publication, generated=today))
    else:
        sys.stdout.write(as_table(publication))
    return OK


def _add_day_and_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--on", type=_day, metavar="YYYY-MM-DD",
                        help="the day the inquiry arrives (default: today)")
    parser.add_argument("--file", type=Path, default=BUNDLED_ROUTING_FILE, metavar="FILE",
                        help="the routing file (default: the bundled one)")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a day: write it as YYYY-MM-DD, such as 2026-12-24") from None


# ------------------------------------------------------------------------ commands


def check(
    path: Path, contact_domains: frozenset[str] = frozenset(), *, release: bool = False,
    snapshot: bool = False,
) -> int:
    """`wegweiser check`: OK with a summary, or every problem and exit code 1.

    Each placeholder of [privacy] and [accessibility] is a warning on stderr (exit 0: CI
    and the packages are built with the shipped examples); with `release`, the go-live
    gate, each is a problem and the exit code 1.
    """
    loaded = _load(path, sys.stdout, contact_domains)
    if not isinstance(loaded, RoutingConfig):
        return loaded
    config = loaded
    shown = _shown(path)
    for placeholder in config.placeholders:
        where = f"{shown}:{placeholder.line}" if placeholder.line else shown
        if release:
            print(f"{where}: {placeholder.path} is still a placeholder "
                  f"({placeholder.value!r})", file=sys.stdout)
        else:
            print(f"{where}: warning: {placeholder.path} is a placeholder "
                  f"({placeholder.value!r})", file=sys.stderr)
    if config.placeholders and not release:
        print(f"warning: {_count(len(config.placeholders), 'placeholder')}: the city confirms "
              f"or replaces each value, then deletes {PLACEHOLDER_MARK!r} in front of it; "
              "`make release STAGE=prod` refuses them", file=sys.stderr)
    if release and config.placeholders:
        print(f"release refused: {_count(len(config.placeholders), 'placeholder')} left in "
              f"{shown}; write the city's value for each and delete {PLACEHOLDER_MARK!r} "
              "in front of it (README, \"Before going live\")")
        return BROKEN
    if snapshot:
        if path.resolve() != BUNDLED_ROUTING_FILE.resolve():
            print("wegweiser: --snapshot is for the bundled file only", file=sys.stderr)
            return USAGE
        write_snapshot(BUNDLED_SNAPSHOT_FILE, path.read_text(encoding="utf-8"),
                       contact_domains, config)
    from chalicelib.admin.catalogs import catalog_gaps

    for gap in catalog_gaps():  # a warning: the form is offered in the complete ones
        print(f"warning: {gap}", file=sys.stderr)
    print(f"{_shown(path)}: OK — {_count(len(config.topics), 'topic')}, "
          f"{_count(len(config.contacts), 'contact')}, "
          f"{_count(len(config.absences), 'absence')}")
    return OK


def route(path: Path, topic: str, language: str, on: date) -> int:
    """`wegweiser route`: the contact chosen for one inquiry, its escalation path if
    nobody claims it, and the reasons for the contact."""
    if language not in LANGUAGES:
        _unknown_language(language)
        return USAGE
    loaded = _load(path, sys.stderr)
    if not isinstance(loaded, RoutingConfig):
        return loaded
    config = loaded
    if topic not in config.topics and (meant := _meant_topic(topic, config)):
        # A mistyped key (`Housing`) is a wrong command, not an inquiry for the fallback.
        print(f"wegweiser: no topic {topic!r} in {_shown(path)} (did you mean {meant!r}?)",
              file=sys.stderr)
        print("The topics of this file: " + ", ".join(config.topics), file=sys.stderr)
        return USAGE
    decision = route_inquiry(config, topic, language, on)
    contact = decision.contact
    staff = LANGUAGES[contact.staff_language]
    spoken = ", ".join(contact.languages)
    if language not in contact.languages:
        spoken += f" (not {language})"
    print(f"An inquiry about {topic!r} in {language} ({LANGUAGES[language].endonym}) "
          f"on {on.isoformat()} goes to:")
    print()
    rows = [
        ("name", f"{contact.name} ({contact.key})"),
        ("role", contact.role),
        ("email", contact.email),
        ("organisation", contact.organisation.name),
        ("staff language", f"{staff.code} ({staff.endonym}), the language of the email to them"),
        ("answers in", spoken),
        ("copies to", ", ".join(decision.topic.cc)),
    ]
    for label, value in rows:
        if value:
            print(f"  {label + ':':<16}{value}")
    print()
    print("Why:")
    for reason in decision.reasons:
        print(f"  - {reason}")
    if topic not in config.topics:
        print()
        print("The topics of this file: " + ", ".join(config.topics))
    print()
    _print_path(plan_escalation(config, topic, language, _received_on(on)))
    return OK


def table(path: Path, on: date) -> int:
    """`wegweiser table`: topic × language, the contact key chosen in each cell; then
    each topic's deadlines and escalation path."""
    loaded = _load(path, sys.stderr)
    if not isinstance(loaded, RoutingConfig):
        return loaded
    config = loaded
    languages = list(LANGUAGES)
    rows: list[list[str]] = []
    marked = False
    for topic in config.topics.values():
        row = [topic.key]
        for language in languages:
            chosen = route_inquiry(config, topic.key, language, on).contact.key
            if chosen != topic.contacts[0].key:
                chosen += MARK
                marked = True
            row.append(chosen)
        rows.append(row)
    print(f"Who receives an inquiry on {on.isoformat()} ({_shown(path)}):")
    print()
    _print_table(["topic", *languages], rows)
    print()
    if marked:
        print(f"{MARK} not the topic's first contact: the first one is absent that day, or "
              "another contact\n  of the topic speaks the language. "
              "`wegweiser route --topic T --language L --on DAY` says why.")
    else:
        print(f"Every topic goes to its first contact on {on.isoformat()} "
              f"(a cell marked {MARK} would mean someone else).")
    away = [a for a in config.absences if a.covers(on)]
    if away:
        print(f"Absent on {on.isoformat()}: " + ", ".join(
            f"{a.contact} ({a.first_day.isoformat()} to {a.last_day.isoformat()})"
            for a in away))
    else:
        print(f"Nobody is absent on {on.isoformat()}.")
    print()
    _print_path_table(config, on)
    return OK


# ------------------------------------------------------------ the escalation path


def _print_path(path: EscalationPath) -> None:
    """`route`'s deadlines and escalation path, step by step, with the skipped ones."""
    print(f"If nobody claims it (received {_when(path.received_at)}, Flensburg time):")
    received = path.received_at.date()
    if not is_working_day(received):
        start = next_working_day(received)
        print(f"  ({WEEKDAYS[received.weekday()]} {received.isoformat()} is not a working "
              f"day: the working days count from {WEEKDAYS[start.weekday()]} "
              f"{start.isoformat()} 00:00.)")
    if path.no_reminder:
        print(f"  - {path.no_reminder}")
    for step in path.steps:
        print(f"  - {_when(step.at)}  {_step_words(step)}")
    retention = (f"{_when(path.retention_ends)} "
                 f"({_count(path.decision.topic.retention_days, 'day')})")
    if path.nobody_left:
        print("  Nobody is left after that: an ALARM in the log.")
    elif path.steps[-1].skip is Skip.AFTER_RETENTION:
        print(f"  The retention ends {retention}: the inquiry is deleted first.")
    else:
        print(f"  No further step: {path.last_holder.key} has it until the retention ends "
              f"{retention}.")


def _step_words(step: PlannedStep) -> str:
    if step.target is None:
        return step.why
    after = f"(after {_count(step.working_days, 'working day')})"
    if step.step is Step.REMIND:
        return f"reminder to {step.target.key} {after}"
    return f"escalated to {step.role}, {step.target.key} {after}"


def _print_path_table(config: RoutingConfig, on: date) -> None:
    """`table`'s second table: per topic, the deadlines and whom each step reaches."""
    received = _received_on(on)
    languages = list(LANGUAGES)
    rows: list[list[str]] = []
    varies = False
    for topic in config.topics.values():
        paths = [plan_escalation(config, topic.key, language, received)
                 for language in languages]
        cells = [_path_cells(path) for path in paths]
        row = list(cells[0])
        for n, cell in enumerate(row):
            if any(other[n] != cell for other in cells[1:]):
                row[n] = cell + VARIES
                varies = True
        days = ", ".join(str(step.working_days) for step in paths[0].steps)
        rows.append([f"—, {days}" if paths[0].no_reminder else days, topic.key, *row])
    print(f"If nobody claims an inquiry received {_when(received)} (Flensburg time):")
    print()
    _print_table(["days", "topic", "reminder", "deputy", "escalation contact"], rows)
    print()
    print("days: working days after receipt until the reminder, the deputy and the "
          "escalation contact.")
    shown = {cell.rstrip(VARIES) for row in rows for cell in row[2:]}
    if "—" in shown:
        print("— no reminder: the topic's response_days are not above remind_after_days.")
    if any(cell.startswith("skipped") for cell in shown):
        print("skipped: the contact had it already, is absent that day, or there is none. "
              "When the\n  escalation contact is skipped, nobody is left: an ALARM in the log.")
    if "after retention" in shown:
        print("after retention: the inquiry is deleted before the step is due.")
    if varies:
        print(f"{VARIES} for an inquiry in {languages[0]}; in another language the first "
              "contact, and so the path, differs.")
    print("`wegweiser route --topic T --language L --on DAY` shows the dates and why.")


def _path_cells(path: EscalationPath) -> tuple[str, str, str]:
    """The reminder, the deputy and the escalation contact, each in a cell."""
    cells = {step.step: _cell(step) for step in path.steps}
    return (cells.get(Step.REMIND, "—"), cells[Step.ESCALATE], cells[Step.ESCALATE_AGAIN])


def _cell(step: PlannedStep) -> str:
    if step.target is not None:
        return step.target.key
    if step.skip is Skip.AFTER_RETENTION:
        return "after retention"
    return f"skipped ({step.skip})"


def _received_on(day: date) -> datetime:
    """An inquiry received on `day` at RECEIVED_AT, Flensburg time."""
    return datetime.combine(day, RECEIVED_AT, tzinfo=ZoneInfo("Europe/Berlin"))


def _when(moment: datetime) -> str:
    """A moment as `Tue 2026-12-01 09:00`, in its own time zone (Flensburg's here)."""
    return f"{WEEKDAYS[moment.weekday()]} {moment:%Y-%m-%d %H:%M}"


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    """Columns lined up, two spaces apart, under a rule of dashes."""
    widths = [max(len(row[n]) for row in [header, *rows]) for n in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    print(line(header).rstrip())
    print(line(["-" * width for width in widths]))
    for row in rows:
        print(line(row).rstrip())


# ------------------------------------------------------------------------- helpers


def stage_contact_domains(stage: str) -> frozenset[str] | None:
    """The CONTACT_DOMAINS a stage of .chalice/config.json sets; None if it sets none."""
    config = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))
    text = config.get("stages", {}).get(stage, {}).get("environment_variables", {}).get(
        "CONTACT_DOMAINS", config.get("environment_variables", {}).get("CONTACT_DOMAINS"))
    return parse_contact_domains(text) if isinstance(text, str) and text.strip() else None


def _load(
    path: Path, out: TextIO, contact_domains: frozenset[str] = frozenset()
) -> RoutingConfig | int:
    """The config in `path`; else print why not to `out` and give the exit code."""
    try:
        return load_routing(path, contact_domains)
    except RoutingConfigError as error:
        # In the order of the file, as an admin goes through it; file-wide ones first.
        for problem in sorted(error.problems, key=lambda p: (p.line is not None, p.line or 0)):
            print(problem.located(_shown(path)), file=out)
        print(_count(len(error.problems), "problem"), file=out)
        return BROKEN
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        print(f"{_shown(path)}: cannot read it: {reason}", file=sys.stderr)
        return USAGE


def _meant_topic(topic: str, config: RoutingConfig) -> str | None:
    """The topic key `topic` is most likely a typo of: the same in other letter case, or
    a close one; None when none is close (then `route` explains the fallback)."""
    by_lower = {key.lower(): key for key in config.topics}
    if topic.lower() in by_lower:
        return by_lower[topic.lower()]
    close = difflib.get_close_matches(topic.lower(), list(by_lower), n=1)
    return by_lower[close[0]] if close else None


def _unknown_language(language: str) -> None:
    print(f"unknown language {language!r}. The languages of the form:", file=sys.stderr)
    for code, known in LANGUAGES.items():
        print(f"  {code}  {known.endonym}", file=sys.stderr)


def _shown(path: Path) -> str:
    """The path as an admin would type it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


if __name__ == "__main__":
    sys.exit(main())
