"""The rules of an inquiry (chalicelib/inquiry.py): what passes, how it is cleaned, what not."""

from __future__ import annotations

import pytest

from chalicelib.core.inquiry import (
    FIELDS,
    MAX_MESSAGE_LENGTH,
    MAX_NAME_LENGTH,
    ErrorCode,
    Inquiry,
    InvalidInquiry,
    check_inquiry,
)

TOPICS = ("education", "work", "other")
LANGUAGES = ("de", "en", "ar")
TEXT_FIELDS = ("name", "email", "topic", "message", "language")


def valid_fields(**changes: object) -> dict[str, object]:
    """A valid inquiry as the form sends it, with some fields changed."""
    fields: dict[str, object] = {
        "name": "Amira Haddad",
        "email": "amira@example.org",
        "topic": "education",
        "message": "Wo finde ich einen Deutschkurs für Erwachsene?",
        "language": "ar",
    }
    fields.update(changes)
    return fields


def check(fields: dict[str, object], default_language: str = "de") -> Inquiry:
    return check_inquiry(
        fields, topics=TOPICS, languages=LANGUAGES, default_language=default_language
    )


def errors_of(fields: dict[str, object]) -> dict[str, ErrorCode]:
    with pytest.raises(InvalidInquiry) as refused:
        check(fields)
    return refused.value.errors


# ------------------------------------------------------------------ what passes


def test_a_valid_inquiry_passes_unchanged() -> None:
    inquiry = check(valid_fields())

    assert inquiry == Inquiry(
        email="amira@example.org",
        topic="education",
        message="Wo finde ich einen Deutschkurs für Erwachsene?",
        name="Amira Haddad",
        language="ar",
    )


def test_decomposed_letters_are_composed_to_nfc() -> None:
    inquiry = check(valid_fields(name="Rene\u0301 Ko\u0308hler", message="Cafe\u0301"))

    assert inquiry.name == "Ren\u00e9 K\u00f6hler"
    assert inquiry.message == "Caf\u00e9"


def test_windows_and_old_mac_line_endings_in_the_message_become_newlines() -> None:
    inquiry = check(valid_fields(message="line one\r\nline two\rline three"))

    assert inquiry.message == "line one\nline two\nline three"


def test_surrounding_whitespace_is_stripped_from_every_field() -> None:
    inquiry = check(
        valid_fields(
            name="  Amira Haddad \t",
            email=" amira@example.org\n",
            topic=" work ",
            message="\n\n  Hallo  \r\n",
            language=" en ",
        )
    )

    assert inquiry == Inquiry(
        email="amira@example.org", topic="work", message="Hallo", name="Amira Haddad",
        language="en",
    )


def test_a_tab_and_a_newline_inside_the_message_are_allowed() -> None:
    inquiry = check(valid_fields(message="Fragen:\n\t1. Kurs\n\t2. Kita"))

    assert inquiry.message == "Fragen:\n\t1. Kurs\n\t2. Kita"


@pytest.mark.parametrize(
    ("fields", "default_language", "expected"),
    [
        pytest.param(valid_fields(language=None), "de", "de", id="missing-gives-german"),
        pytest.param(valid_fields(language=""), "en", "en", id="empty-gives-english"),
        pytest.param(valid_fields(language="  "), "ar", "ar", id="blank-gives-arabic"),
    ],
)
def test_without_a_language_the_default_language_is_taken(
    fields: dict[str, object], default_language: str, expected: str
) -> None:
    assert check(fields, default_language=default_language).language == expected


def test_the_name_is_optional() -> None:
    fields = valid_fields()
    del fields["name"]

    assert check(fields).name == ""


def test_an_international_domain_is_accepted_and_sent_to_in_punycode() -> None:
    inquiry = check(valid_fields(email="eve@bücher.example"))

    assert inquiry.email == "eve@xn--bcher-kva.example"


def test_a_message_of_exactly_the_maximum_length_passes() -> None:
    message = "a" * MAX_MESSAGE_LENGTH

    assert MAX_MESSAGE_LENGTH == 5000
    assert check(valid_fields(message=message)).message == message


def test_a_name_of_exactly_the_maximum_length_passes() -> None:
    name = "ü" * MAX_NAME_LENGTH

    assert MAX_NAME_LENGTH == 200
    assert check(valid_fields(name=name)).name == name


# ------------------------------------------------------------ what is refused


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        pytest.param(valid_fields(email=None), "email", "email_required", id="email-missing"),
        pytest.param(valid_fields(email=""), "email", "email_required", id="email-empty"),
        pytest.param(valid_fields(email="   "), "email", "email_required", id="email-blank"),
        pytest.param(valid_fields(email="not-an-email"), "email", "invalid_email",
                     id="email-without-at"),
        pytest.param(valid_fields(email="Eve <eve@example.org>"), "email",
                     "email_display_name", id="email-with-display-name"),
        pytest.param(valid_fields(email="jürgen@example.org"), "email",
                     "email_international_local_part", id="email-with-umlaut-before-at"),
        pytest.param(valid_fields(email='"eve"@example.org'), "email", "invalid_email",
                     id="email-with-quoted-local-part"),
        pytest.param(valid_fields(topic="astrology"), "topic", "unknown_topic",
                     id="topic-unknown"),
        pytest.param(valid_fields(topic=""), "topic", "topic_required", id="topic-empty"),
        pytest.param(valid_fields(topic=None), "topic", "topic_required", id="topic-missing"),
        pytest.param(valid_fields(message=""), "message", "message_required",
                     id="message-empty"),
        pytest.param(valid_fields(message=" \r\n\t "), "message", "message_required",
                     id="message-only-whitespace"),
        pytest.param(valid_fields(message="a" * (MAX_MESSAGE_LENGTH + 1)), "message",
                     "message_too_long", id="message-5001-chars"),
        pytest.param(valid_fields(name="a" * (MAX_NAME_LENGTH + 1)), "name", "name_too_long",
                     id="name-201-chars"),
        pytest.param(valid_fields(language="fr"), "language", "unknown_language",
                     id="language-unknown"),
        pytest.param(valid_fields(language="EN"), "language", "unknown_language",
                     id="language-in-capitals"),
    ],
)
def test_a_broken_field_is_refused_with_exactly_its_code(
    fields: dict[str, object], field: str, code: str
) -> None:
    assert errors_of(fields) == {field: code}


def test_an_address_with_a_display_name_is_refused_with_a_friendly_code() -> None:
    with pytest.raises(InvalidInquiry) as refused:
        check(valid_fields(email="Eve <eve@example.org>"))

    assert refused.value.errors == {"email": "email_display_name"}
    assert "email: email_display_name" in str(refused.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("name", "Eve\r\nBcc: x@y.z", id="name-crlf"),
        pytest.param("name", "Eve\nMallory", id="name-lf"),
        pytest.param("name", "Eve\rMallory", id="name-cr"),
        pytest.param("name", "Eve\x00Mallory", id="name-nul"),
        pytest.param("name", "Eve\tMallory", id="name-tab"),
        pytest.param("name", "Eve\x85Mallory", id="name-next-line"),
        pytest.param("name", "Eve\u2028Mallory", id="name-line-separator"),
        pytest.param("name", "Eve\u2029Mallory", id="name-paragraph-separator"),
        pytest.param("email", "eve@example.org\r\nBcc: x@y.z", id="email-crlf"),
        pytest.param("email", "eve\n@example.org", id="email-lf"),
        pytest.param("email", "eve\r@example.org", id="email-cr"),
        pytest.param("email", "eve\x00@example.org", id="email-nul"),
        pytest.param("message", "Hallo\x00Welt", id="message-nul"),
        pytest.param("message", "Hallo\x1bWelt", id="message-escape"),
        pytest.param("message", "Hallo\u2028Welt", id="message-line-separator"),
        pytest.param("message", "Hallo\ud800Welt", id="message-lone-surrogate"),
    ],
)
def test_control_characters_inside_a_field_are_refused(field: str, value: str) -> None:
    assert errors_of(valid_fields(**{field: value})) == {field: "control_characters"}


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize(
    "value",
    [
        pytest.param(5, id="number"),
        pytest.param(["x"], id="list"),
        pytest.param({"a": 1}, id="object"),
        pytest.param(True, id="boolean"),
    ],
)
def test_a_field_that_is_not_text_is_refused_as_wrong_type(field: str, value: object) -> None:
    assert errors_of(valid_fields(**{field: value})) == {field: "wrong_type"}


def test_every_broken_field_is_reported_at_once_in_the_order_of_the_form() -> None:
    errors = errors_of(
        {
            "language": "xx",
            "message": "",
            "topic": "astrology",
            "email": "Eve <eve@example.org>",
            "name": "n" * (MAX_NAME_LENGTH + 1),
        }
    )

    assert errors == {
        "name": "name_too_long",
        "email": "email_display_name",
        "topic": "unknown_topic",
        "message": "message_required",
        "language": "unknown_language",
    }
    assert list(errors) == [field for field in FIELDS if field in errors]


def test_an_empty_submission_names_each_required_field() -> None:
    assert errors_of({}) == {
        "email": "email_required",
        "topic": "topic_required",
        "message": "message_required",
    }


# ------------------------------------------------------------- the address


@pytest.mark.parametrize("pasted", [
    pytest.param("<eve@example.org>", id="in-angle-brackets"),
    pytest.param("<eve@example.org", id="after-an-opening-bracket"),
    pytest.param("eve@example.org>", id="before-a-closing-bracket"),
    pytest.param("Eve eve@example.org", id="after-a-name"),
])
def test_an_address_pasted_with_more_than_the_address_is_refused_with_the_friendly_code(
    pasted: str,
) -> None:
    assert errors_of(valid_fields(email=pasted)) == {"email": "email_display_name"}


def test_an_address_of_exactly_254_characters_passes_and_one_more_is_refused() -> None:
    domain = f"{'a' * 63}.{'b' * 63}.{'c' * 57}.org"
    longest = f"{'e' * 64}@{domain}"
    assert len(longest) == 254

    assert check(valid_fields(email=longest)).email == longest
    assert errors_of(valid_fields(email=f"{'e' * 64}@d{domain}")) == {"email": "invalid_email"}


def test_the_refusal_reads_as_each_field_with_its_code() -> None:
    with pytest.raises(InvalidInquiry) as refused:
        check(valid_fields(name="n" * (MAX_NAME_LENGTH + 1), message=""))

    assert str(refused.value) == "name: name_too_long, message: message_required"
