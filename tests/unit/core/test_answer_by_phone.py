"""How the resident wants the answer (chalicelib/core/inquiry.py): by email, a call back,
or in person, and an interpreter. A number is required for a call back, checked with
libphonenumber (German numbers without +49), stored in E.164; elsewhere it is optional
and refused only when it is wrong.
"""

from __future__ import annotations

import pytest

from chalicelib.core.inquiry import AnswerBy, FieldError, shown_phone
from tests.unit.core.test_inquiry_rules import check, errors_of, valid_fields


def test_without_a_choice_the_answer_comes_by_email_and_no_number_is_kept() -> None:
    inquiry = check(valid_fields())

    assert (inquiry.answer_by, inquiry.phone, inquiry.interpreter) == (AnswerBy.EMAIL, "", False)


@pytest.mark.parametrize(("typed", "stored"), [
    ("0461 1234567", "+494611234567"),
    ("+49 461 1234567", "+494611234567"),
    ("0049 (0)461 / 123 45 67", "+494611234567"),
    ("0176 12345678", "+4917612345678"),
    ("+963 11 234 5678", "+963112345678"),  # a Syrian number, with its country code
])
def test_a_call_back_keeps_the_number_in_e164(typed: str, stored: str) -> None:
    inquiry = check(valid_fields(answer_by="phone", phone=typed))

    assert (inquiry.answer_by, inquiry.phone) == (AnswerBy.PHONE, stored)


def test_a_call_back_needs_a_number() -> None:
    assert errors_of(valid_fields(answer_by="phone")) == {"phone": FieldError.PHONE_REQUIRED}
    assert errors_of(valid_fields(answer_by="phone", phone="  ")) == {
        "phone": FieldError.PHONE_REQUIRED}


@pytest.mark.parametrize("typed", ["12", "0461", "+49 12", "0461 1234567 ext 12 and more",
                                   "telefon", "+999 1234567"])
def test_a_number_that_cannot_be_called_is_refused(typed: str) -> None:
    assert errors_of(valid_fields(answer_by="phone", phone=typed)) == {
        "phone": FieldError.INVALID_PHONE}


def test_on_the_email_path_a_number_is_never_required_and_refused_only_when_wrong() -> None:
    assert check(valid_fields(answer_by="email", phone="")).phone == ""
    # Valid, but not kept: a number is stored only to call back (data minimisation).
    assert check(valid_fields(phone="0461 1234567")).phone == ""
    assert errors_of(valid_fields(answer_by="email", phone="12")) == {
        "phone": FieldError.INVALID_PHONE}


def test_in_person_needs_no_number() -> None:
    assert check(valid_fields(answer_by="in_person")).answer_by is AnswerBy.IN_PERSON


@pytest.mark.parametrize("choice", ["fax", "Phone", 1, ["phone"]])
def test_an_unknown_way_of_answering_is_refused(choice: object) -> None:
    errors = errors_of(valid_fields(answer_by=choice))

    assert set(errors) == {"answer_by"}


@pytest.mark.parametrize(("sent", "needed"), [
    ("yes", True), (True, True), ("no", False), (False, False), (1, False), ("true", False),
    (None, False)])
def test_an_interpreter_is_asked_for_with_the_checkbox_or_json_true(
    sent: object, needed: bool,
) -> None:
    assert check(valid_fields(interpreter=sent)).interpreter is needed


def test_a_number_is_shown_as_people_write_it_and_dialled_as_stored() -> None:
    shown = shown_phone("+494611234567")

    assert (shown.e164, shown.shown) == ("+494611234567", "+49 461 1234567")
