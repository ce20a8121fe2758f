"""The routing from an S3 object or SSM parameter: an admin changes it without a redeploy.

Against moto through app.py's routes; what the cache does on its own (read again or
not, alarms, recovery) is tested with fakes in tests/unit/core/test_remote_routing.py.
"""

from __future__ import annotations

import logging
import re

import pytest

from chalicelib.aws import clients as aws_clients
from chalicelib.core.remote_routing import RemoteRouting, S3Location, SsmLocation, parse_location
from chalicelib.core.routing_file import BUNDLED_ROUTING_FILE, bundled_routing
from chalicelib.settings import Settings, SettingsError
from tests.support.emulator import Emulator, Submit, settings_for_tests

BUCKET = "wegweiser-routing"
KEY = "prod/routing.toml"
S3_SOURCE = f"s3://{BUCKET}/{KEY}"
PARAMETER = "/wegweiser/prod/routing"
SSM_SOURCE = f"ssm:{PARAMETER}"

WORK = {"email": "resident@example.org", "topic": "work", "message": "Ich suche Arbeit."}
BUNDLED_ORGANISATION = "Stadt Flensburg, Amt für Integration"  # stefan-schulz, in routing.toml
VEREIN = "Integration in Flensburg e.V."  # anna-meier
DRK = "Deutsches Rotes Kreuz"  # andrea-becker


def routing_text(work_goes_to: str) -> str:
    """The bundled routing.toml, with topic "work" sent to another contact (and no deputy)."""
    lines = BUNDLED_ROUTING_FILE.read_text(encoding="utf-8").splitlines(keepends=True)
    edited: list[str] = []
    in_work = False
    for line in lines:
        if line.startswith("["):
            in_work = line.strip() == "[topics.work]"
        if in_work and re.match(r"contacts\s*=", line):
            line = f'contacts = ["{work_goes_to}"]\n'
        elif in_work and re.match(r"deputy\s*=", line):
            continue  # the deputy might be the new contact
        edited.append(line)
    assert edited != lines, "routing.toml has a [topics.work] table with its contacts"
    return "".join(edited)


BROKEN_TEXT = routing_text("anna-meier").replace('fallback_topic = "other"',
                                                 'fallback_topic = "nothing"')


def alarms(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "wegweiser" and r.levelno == logging.ERROR
            and r.getMessage().startswith("ALARM routing source")]


def upload_to_s3(text: str) -> None:
    aws_clients.s3().put_object(Bucket=BUCKET, Key=KEY, Body=text.encode("utf-8"))


def point_at(aws: Emulator, source: str, cache_seconds: int = 300) -> None:
    aws.serve(settings_for_tests(ROUTING_SOURCE=source, ROUTING_CACHE_SECONDS=str(cache_seconds)))


@pytest.fixture
def bucket(aws: Emulator) -> str:
    aws_clients.s3().create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    return BUCKET


# ------------------------------------------------------------- through the app


def test_a_stage_pointed_at_an_s3_object_routes_by_what_it_holds(
    aws: Emulator, bucket: str, submit_json: Submit
) -> None:
    upload_to_s3(routing_text("anna-meier"))
    point_at(aws, S3_SOURCE)

    status, answer = submit_json(WORK)

    assert status == 201
    assert answer["organisation"] == VEREIN, "not the bundled " + BUNDLED_ORGANISATION


def test_a_stage_pointed_at_an_ssm_parameter_routes_by_what_it_holds(
    aws: Emulator, submit_json: Submit
) -> None:
    # The file is larger than a Standard parameter's 4 KB: an Advanced one holds 8 KB.
    aws_clients.ssm().put_parameter(Name=PARAMETER, Type="String", Tier="Advanced",
                                    Value=routing_text("anna-meier"))
    point_at(aws, SSM_SOURCE)

    status, answer = submit_json(WORK)

    assert status == 201
    assert answer["organisation"] == VEREIN


def test_a_broken_upload_keeps_the_last_good_config_and_raises_an_alarm(
    aws: Emulator, bucket: str, submit_json: Submit,
    caplog: pytest.LogCaptureFixture,
) -> None:
    upload_to_s3(routing_text("anna-meier"))
    point_at(aws, S3_SOURCE, cache_seconds=0)  # every request reads the source
    assert submit_json(WORK)[1]["organisation"] == VEREIN

    upload_to_s3(BROKEN_TEXT)
    with caplog.at_level(logging.INFO, logger="wegweiser"):
        config = aws.services.routing()
        status, answer = submit_json(WORK)

    assert config.topics["work"].contacts[0].key == "anna-meier", "the last good config"
    assert status == 201
    assert answer["organisation"] == VEREIN
    raised = alarms(caplog)
    assert raised, "an alarm for each read of the broken object (the cache period is 0 here)"
    alarm = raised[0]
    assert S3_SOURCE in alarm
    assert "invalid config" in alarm
    assert "fallback_topic" in alarm, "the alarm says what is wrong"
    assert "Integration in Flensburg" not in alarm, "the file's text stays out of the logs"


@pytest.mark.parametrize(("poison", "problem"), [
    (('email = "info@integration-flensburg.de"', 'email = "inbox@evil.example"'),
     "'evil.example' is not a domain this stage may send inquiries to"),
    (('name = "Anna Meier"', 'name = "Anna Meier\\r\\nBcc: inbox@evil.example"'),
     "contains the control character U+000D"),
], ids=["contact-of-another-domain", "line-break-in-a-name"])
def test_a_poisoned_upload_is_refused_and_the_last_good_config_kept(
    poison: tuple[str, str], problem: str, aws: Emulator, bucket: str, submit_json: Submit,
    caplog: pytest.LogCaptureFixture,
) -> None:
    upload_to_s3(routing_text("anna-meier"))
    point_at(aws, S3_SOURCE, cache_seconds=0)
    assert submit_json(WORK)[1]["organisation"] == VEREIN

    upload_to_s3(routing_text("anna-meier").replace(*poison))
    with caplog.at_level(logging.INFO, logger="wegweiser"):
        config = aws.services.routing()

    assert config.contacts["anna-meier"].email == "info@integration-flensburg.de"
    assert config.contacts["anna-meier"].name == "Anna Meier"
    assert any(problem in alarm for alarm in alarms(caplog))


def test_an_unreachable_source_leaves_the_bundled_config_in_use_and_raises_an_alarm(
    aws: Emulator, submit_json: Submit,
    caplog: pytest.LogCaptureFixture,
) -> None:
    point_at(aws, "s3://a-bucket-that-does-not-exist/routing.toml")

    with caplog.at_level(logging.INFO, logger="wegweiser"):
        status, answer = submit_json(WORK)
        config = aws.services.routing()

    assert status == 201
    assert answer["organisation"] == BUNDLED_ORGANISATION
    assert config == bundled_routing()
    raised = alarms(caplog)
    assert len(raised) == 1, "asked once, not again on the next request"
    assert "s3://a-bucket-that-does-not-exist/routing.toml" in raised[0]
    assert "cannot be read" in raised[0]
    assert "NoSuchBucket" in raised[0]
    assert "serving the bundled config" in raised[0]


def test_a_corrected_upload_is_used_after_the_cache_period(
    aws: Emulator, bucket: str
) -> None:
    upload_to_s3(BROKEN_TEXT)
    point_at(aws, S3_SOURCE, cache_seconds=0)
    assert aws.services.routing() == bundled_routing()

    upload_to_s3(routing_text("andrea-becker"))

    assert aws.services.routing().topics["work"].contacts[0].organisation.name == DRK


def test_a_warm_container_routes_submissions_by_a_change_made_after_its_first_one(
    aws: Emulator, bucket: str, submit_json: Submit
) -> None:
    upload_to_s3(routing_text("anna-meier"))
    point_at(aws, S3_SOURCE, cache_seconds=0)
    assert submit_json(WORK)[1]["organisation"] == VEREIN

    upload_to_s3(routing_text("andrea-becker"))

    assert submit_json(WORK)[1]["organisation"] == DRK


# ------------------------------------- the alarm keeps the file's text out of the logs
# (what the cache does on its own is tests/unit/core/test_remote_routing.py)


def test_the_alarm_names_the_problems_but_not_the_texts_of_the_file(
    caplog: pytest.LogCaptureFixture,
) -> None:
    text = "# Telefon der Chefin: 0461 123456\n" + BROKEN_TEXT
    with caplog.at_level(logging.ERROR, logger="wegweiser"):
        RemoteRouting(S3_SOURCE, lambda: text, lambda: 1000.0, 300, bundled_routing()).current()

    (alarm,) = alarms(caplog)
    assert "1 problem(s)" in alarm
    assert "0461" not in alarm


# ------------------------------------------------------------------ settings

ENVIRONMENT = {"STAGE": "prod", "FORM_TOKEN_SECRET": "x" * 16, "SENDER_EMAIL": "w@example.org"}


def test_without_a_routing_source_the_bundled_file_is_used_for_five_minutes_at_a_time() -> None:
    settings = Settings.from_environ(ENVIRONMENT)

    assert settings.routing_source is None
    assert settings.routing_cache_seconds == 300


@pytest.mark.parametrize(("source", "location"), [
    (S3_SOURCE, S3Location(BUCKET, KEY)),
    (SSM_SOURCE, SsmLocation(PARAMETER)),
])
def test_a_routing_source_names_an_s3_object_or_an_ssm_parameter(
    aws: Emulator, source: str, location: S3Location | SsmLocation
) -> None:
    settings = Settings.from_environ({**ENVIRONMENT, "ROUTING_SOURCE": source,
                                      "ROUTING_CACHE_SECONDS": "60"})

    assert settings.routing_source == source
    assert settings.routing_cache_seconds == 60
    assert parse_location(source) == location
    assert str(location) == source


@pytest.mark.parametrize("source", [
    "https://wegweiser-routing.s3.amazonaws.com/routing.toml",
    "s3://wegweiser-routing",
    "s3://wegweiser-routing/",
    "s3://Not_A_Bucket/routing.toml",
    "ssm:wegweiser/routing",
    "/wegweiser/routing",
    "routing.toml",
])
def test_any_other_routing_source_stops_the_container_from_starting(source: str) -> None:
    with pytest.raises(SettingsError, match="ROUTING_SOURCE"):
        Settings.from_environ({**ENVIRONMENT, "ROUTING_SOURCE": source})


@pytest.mark.parametrize("seconds", ["-1", "five", "2.5"])
def test_a_cache_period_that_is_no_whole_number_of_seconds_is_refused(seconds: str) -> None:
    with pytest.raises(SettingsError, match="ROUTING_CACHE_SECONDS"):
        Settings.from_environ({**ENVIRONMENT, "ROUTING_CACHE_SECONDS": seconds})
