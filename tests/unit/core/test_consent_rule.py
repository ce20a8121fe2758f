"""The consent rule of an inquiry (chalicelib/core/inquiry.py): a topic that asks for explicit
consent (Art. 9(2)(a) GDPR) needs the form's "yes" or JSON true; other topics ignore it."""

from __future__ import annotations

import pytest

from chalicelib.core.inquiry import FIELDS, FieldError, Inquiry, InvalidInquiry, check_inquiry

TOPICS = ("health", "work")
FIELDS_OF_HEALTH = {"email": "amal@example.org", "topic": "health", "message": "Termin?"}


def checked(**fields: object) -> Inquiry:
    return check_inquiry({**FIELDS_OF_HEALTH, **fields}, topics=TOPICS, languages=("de", "ar"),
                         default_language="de", consent_topics=("health",))


def refusal(**fields: object) -> dict[str, str]:
    with pytest.raises(InvalidInquiry) as refused:
        checked(**fields)
    return {field: str(code) for field, code in refused.value.errors.items()}


@pytest.mark.parametrize("given", [True, "yes"], ids=["json-true", "form-yes"])
def test_a_health_inquiry_with_consent_is_valid_and_says_so(given: object) -> None:
    assert checked(consent=given).consent is True


@pytest.mark.parametrize("given", [None, False, "", "no", "Yes", "true", 1, ["yes"]],
                         ids=["absent", "false", "empty", "no", "capital-yes", "the-word-true",
                              "one", "a-list"])
def test_a_health_inquiry_without_either_value_is_refused_on_consent(given: object) -> None:
    assert refusal(consent=given) == {"consent": FieldError.CONSENT_REQUIRED}


def test_another_topic_needs_no_consent_and_keeps_none_that_was_sent() -> None:
    assert checked(topic="work").consent is False
    assert checked(topic="work", consent=True).consent is False


def test_an_unknown_topic_is_the_only_error_not_consent_too() -> None:
    assert refusal(topic="astrology") == {"topic": FieldError.UNKNOWN_TOPIC}


def test_consent_is_reported_right_after_the_topic_as_the_form_shows_it() -> None:
    assert FIELDS.index("consent") == FIELDS.index("topic") + 1
    assert list(refusal(email="", message="")) == ["email", "consent", "message"]


def test_without_consent_topics_nothing_asks_for_consent() -> None:
    inquiry = check_inquiry(FIELDS_OF_HEALTH, topics=TOPICS, languages=("de",),
                            default_language="de")

    assert inquiry.consent is False
