"""GET /openapi.json: the description API clients build on, checked against the app itself.

The document must be valid OpenAPI 3.1, offer what the routing config and the language
table offer, and describe the answers the app really gives.
"""

from __future__ import annotations

import json
import tomllib
from typing import Any

import pytest
from chalice.test import Client
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from chalicelib.core.inquiry import FIELDS, HONEYPOT
from chalicelib.core.languages import LANGUAGES
from chalicelib.core.routing_file import BUNDLED_ROUTING_FILE
from tests.support.emulator import Emulator, Submit

INQUIRY = {"email": "resident@example.org", "topic": "health", "consent": True,
           "message": "Wo finde ich eine Kinderärztin?", "name": "Amal", "language": "ar"}


@pytest.fixture
def description(client: Client) -> dict[str, Any]:
    response = client.http.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = json.loads(response.body)
    return document


def check(instance: object, schema: dict[str, Any], description: dict[str, Any]) -> None:
    """Validate `instance` against a schema of the description, its $refs resolved there."""
    Draft202012Validator(
        {**schema, "components": description["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    ).validate(instance)


def documented_json_answer(description: dict[str, Any], status: str) -> dict[str, Any]:
    responses = description["paths"]["/inquiries"]["post"]["responses"]
    schema: dict[str, Any] = responses[status]["content"]["application/json"]["schema"]
    return schema


def content_type(headers: dict[str, str]) -> str:
    # Where a route names no type, API Gateway and `chalice local` answer application/json.
    named = {name.lower(): value for name, value in headers.items()}
    return named.get("content-type", "application/json")


def inquiry_schema(description: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = description["components"]["schemas"]["Inquiry"]
    return schema


def test_the_description_is_served_as_json_and_is_valid_openapi_3_1(client: Client) -> None:
    response = client.http.get("/openapi.json")

    assert response.status_code == 200
    assert content_type(response.headers).startswith("application/json")
    document = json.loads(response.body)
    assert document["openapi"].startswith("3.1")
    validate(document, cls=OpenAPIV31SpecValidator)


def test_it_offers_every_topic_of_the_bundled_routing_config_in_the_order_of_the_form(
    description: dict[str, Any],
) -> None:
    topics = list(tomllib.loads(BUNDLED_ROUTING_FILE.read_text())["topics"])

    assert inquiry_schema(description)["properties"]["topic"]["enum"] == topics


def test_it_offers_every_language(description: dict[str, Any]) -> None:
    assert inquiry_schema(description)["properties"]["language"]["enum"] == list(LANGUAGES)


def test_it_describes_every_field_the_app_checks_and_never_the_honeypot(
    description: dict[str, Any],
) -> None:
    inquiry = inquiry_schema(description)

    assert set(FIELDS) <= inquiry["properties"].keys()
    assert set(inquiry["required"]) == {"email", "topic", "message", "form_token"}
    # A bot that reads the description must not learn which field is the trap.
    assert HONEYPOT not in json.dumps(description)
    assert "trap" not in json.dumps(description).lower()


def test_a_form_and_a_json_body_are_the_same_inquiry(description: dict[str, Any]) -> None:
    content = description["paths"]["/inquiries"]["post"]["requestBody"]["content"]

    assert content["application/json"] == content["application/x-www-form-urlencoded"]


def test_an_inquiry_as_described_is_accepted_with_the_described_answer(
    aws: Emulator, description: dict[str, Any], submit_json: Submit
) -> None:
    check({**INQUIRY, "form_token": aws.form_token()}, inquiry_schema(description), description)

    status, answer = submit_json(INQUIRY)

    assert status == 201
    check(answer, documented_json_answer(description, "201"), description)


def test_a_refused_inquiry_is_answered_as_described(
    description: dict[str, Any], submit_json: Submit
) -> None:
    status, answer = submit_json({"email": "resident at example.org", "topic": "weather",
                                  "message": ""}, language="tr")

    assert status == 422
    assert set(answer["errors"]) == {"email", "topic", "message"}
    check(answer, documented_json_answer(description, "422"), description)


def test_a_body_that_is_not_json_is_answered_as_described(
    description: dict[str, Any], client: Client
) -> None:
    response = client.http.post(
        "/inquiries", headers={"Content-Type": "application/json"}, body="{not json"
    )

    assert response.status_code == 422
    answer = json.loads(response.body)
    assert set(answer["errors"]) == {"body"}
    check(answer, documented_json_answer(description, "422"), description)
