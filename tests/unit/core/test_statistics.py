"""The anonymous counts, over the whole loop of in-memory ports: what each step of an
inquiry's life adds, once, to its month × topic × language, and nothing that names a person.

The clock starts on Tuesday, 1 December 2026 at 09:00 in Flensburg. Education goes to
Anna Meier (deputy Stefan Schulz); its answer is due within 5 working days.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from chalicelib.core.records import Step
from chalicelib.core.statistics import Column, month_of, months_between, read_cells
from tests.support.whole_loop import Loop, routing_with

DECEMBER = "2026-12"


def counts(loop: Loop, month: str = DECEMBER) -> dict[str, int]:
    return dict(loop.store.counts([month]).get(month, {}))


def answer(loop: Loop, reference: str, yes: bool) -> None:
    """The resident answers the follow-up (the clock moved on to it first, if need be)."""
    if loop.record(reference).step is Step.FOLLOW_UP:
        due = loop.deadline(reference, Step.FOLLOW_UP) + timedelta(seconds=1)
        if due > loop.clock():  # the clock runs on from real time: a second's margin
            loop.at(due)
        loop.run_clock()
    assert loop.follow_ups.answer(reference, loop.answer_token(reference), yes) is not None
    loop.deliver()


def test_an_accepted_inquiry_counts_in_its_month_topic_and_language() -> None:
    loop = Loop()
    loop.submit(topic="education", language="ar")
    loop.submit(topic="education", language="ar")
    loop.submit(topic="work", language="uk")

    assert counts(loop) == {"education|ar|received": 2, "work|uk|received": 1}


def test_an_inquiry_that_arrives_just_after_midnight_in_flensburg_counts_in_the_new_month() -> None:
    # 23:30 UTC on 30 November is 00:30 on 1 December in Flensburg.
    assert month_of(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == "2026-12"
    assert month_of(datetime(2026, 11, 30, 22, 30, tzinfo=UTC)) == "2026-11"


def test_a_claim_counts_once_with_its_working_days_and_whether_it_was_in_time() -> None:
    loop = Loop()
    reference = loop.submit(language="fa")
    loop.clock.advance(days=1)  # Wednesday: one working day after receipt
    loop.claims.claim(reference, loop.claim_token(reference))
    loop.claims.claim(reference, loop.claim_token(reference, "stefan-schulz"))

    assert counts(loop) == {"education|fa|received": 1, "education|fa|claimed": 1,
                            "education|fa|claimed_in_time": 1, "education|fa|days|1": 1}


def test_a_claim_after_the_response_days_is_claimed_but_not_in_time() -> None:
    loop = Loop()
    reference = loop.submit(language="de")
    loop.at(loop.deadline(reference, Step.ESCALATE) + timedelta(days=1))
    loop.claims.claim(reference, loop.claim_token(reference))

    found = counts(loop)
    assert found["education|de|claimed"] == 1
    assert "education|de|claimed_in_time" not in found


def test_an_inquiry_passed_on_twice_counts_as_escalated_once() -> None:
    # Andrea Becker as the escalation contact: education goes Anna → Stefan → Andrea.
    loop = Loop(routing_with(lambda text: text.replace(
        'escalation_contact = "anna-meier"', 'escalation_contact = "andrea-becker"')))
    reference = loop.submit(language="tr")
    loop.at(loop.deadline(reference, Step.ESCALATE))
    loop.run_clock()
    loop.at(loop.deadline(reference, Step.ESCALATE_AGAIN))
    loop.run_clock()
    loop.run_clock()  # a second run of the schedule finds nothing to count

    assert len(loop.record(reference).escalations) == 2
    assert counts(loop)["education|tr|escalated"] == 1


def test_the_residents_first_answer_counts_and_a_second_click_does_not() -> None:
    loop = Loop()
    yes, no = loop.submit(language="ru"), loop.submit(language="ru")
    for reference in (yes, no):
        loop.claims.claim(reference, loop.claim_token(reference))
    answer(loop, yes, True)
    answer(loop, yes, False)
    answer(loop, no, False)

    found = counts(loop)
    assert found["education|ru|answered_yes"] == 1
    assert found["education|ru|answered_no"] == 1


def test_a_claim_lifted_by_the_residents_no_and_claimed_again_is_counted_once() -> None:
    loop = Loop()
    reference = loop.submit(language="uk")
    loop.claims.claim(reference, loop.claim_token(reference))
    answer(loop, reference, False)  # the deputy gets it, unclaimed
    loop.claims.claim(reference, loop.claim_token(reference, "stefan-schulz"))

    assert loop.record(reference).claim is not None
    found = counts(loop)
    assert found["education|uk|claimed"] == 1
    assert found["education|uk|escalated"] == 1


def test_an_erasure_counts_once_and_the_counts_stay_after_it() -> None:
    loop = Loop()
    reference = loop.submit(language="ar")
    loop.erase(reference)
    assert loop.erasure.erase(reference, loop.status_token(reference)) is not None

    assert counts(loop) == {"education|ar|received": 1, "education|ar|erased": 1}


def test_an_interpreter_asked_for_is_counted_with_the_language() -> None:
    loop = Loop()
    fields = {"email": "amira@example.org", "topic": "health", "consent": "yes",
              "message": "Ich brauche einen Arzttermin.", "language": "ar", "interpreter": "yes",
              "form_token": loop.tokens.issue(loop.clock().timestamp())}
    loop.intake.accept(fields, default_language="de", client_address="192.0.2.1")

    assert counts(loop) == {"health|ar|received": 1, "health|ar|interpreter": 1}


def test_the_counts_hold_no_reference_name_address_text_or_day() -> None:
    loop = Loop()
    reference = loop.submit(language="ar", email="amira@example.org")
    loop.claims.claim(reference, loop.claim_token(reference))
    answer(loop, reference, True)
    stored = json.dumps(loop.store.statistics, default=dict)

    assert reference not in stored
    for personal in ("amira", "example.org", "Kita", "Anna", "anna-meier", "2026-12-0"):
        assert personal not in stored
    assert set(loop.store.statistics) == {DECEMBER}


def test_the_counts_are_read_back_by_cell_with_the_claim_days() -> None:
    cells = read_cells({"2026-12": {"education|ar|received": 3, "education|ar|claimed": 2,
                                    "education|ar|days|0": 1, "education|ar|days|4": 1,
                                    "education|ar|a_column_of_a_later_version": 9}})

    (cell,) = cells.values()
    assert list(cells) == [("2026-12", "education", "ar")]
    assert cell.columns[Column.RECEIVED] == 3 and cell.columns[Column.CLAIMED] == 2
    assert cell.claim_days == {0: 1, 4: 1}


def test_a_range_of_months_runs_across_the_new_year() -> None:
    assert months_between("2026-11", "2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert months_between("2026-12", "2026-12") == ["2026-12"]
