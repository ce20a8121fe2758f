"""`make package STAGE=prod` builds what an admin deploys: one template with every resource
and least-privilege roles, and a zip Lambda can run (templates in, boto3 out)."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# One worker packages once for every test here (`make test` runs two xdist workers).
pytestmark = pytest.mark.xdist_group("package")

PROJECT_DIR = Path(__file__).resolve().parents[2]
MAX_ZIP_BYTES = 2 * 1024 * 1024


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("package") / "prod"
    subprocess.run(
        [str(PROJECT_DIR / ".venv" / "bin" / "chalice"), "package", "--stage", "prod",
         "--merge-template", ".chalice/resources.json", str(out)],
        cwd=PROJECT_DIR, check=True, capture_output=True,
        env={**os.environ, "AWS_DEFAULT_REGION": "eu-central-1"},
    )
    return out


@pytest.fixture(scope="module")
def packaged_files(package: Path) -> set[str]:
    with zipfile.ZipFile(package / "deployment.zip") as archive:
        return set(archive.namelist())


@pytest.fixture(scope="module")
def resources(package: Path) -> dict[str, Any]:
    template = json.loads((package / "sam.json").read_text())
    return dict(template["Resources"])


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in resources.items() if r["Type"] == kind}


def statements(resources: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for role in of_type(resources, "AWS::IAM::Role").values():
        for policy in role["Properties"]["Policies"]:
            yield from policy["PolicyDocument"]["Statement"]


def test_the_zip_is_under_2_mib_with_templates_and_catalogs_and_without_boto3(
    package: Path, packaged_files: set[str]
) -> None:
    assert (package / "deployment.zip").stat().st_size < MAX_ZIP_BYTES
    templates = {p.relative_to(PROJECT_DIR).as_posix()
                 for p in (PROJECT_DIR / "templates").rglob("*") if p.is_file()}
    assert templates and templates <= packaged_files
    assert {"locale/de/LC_MESSAGES/messages.mo", "locale/ar/LC_MESSAGES/messages.mo",
            "chalicelib/routing.toml", "app.py"} <= packaged_files
    top_level = {name.split("/")[0] for name in packaged_files}
    assert not top_level & {"boto3", "botocore", "s3transfer", "devstack", "tests", "moto"}


def test_the_table_is_on_demand_with_ttl_recovery_and_encryption(
    resources: dict[str, Any]
) -> None:
    (table,) = of_type(resources, "AWS::DynamoDB::Table").values()
    properties = table["Properties"]

    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at",
                                                     "Enabled": True}
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]
    assert properties["SSESpecification"]["SSEEnabled"]
    assert table["DeletionPolicy"] == "Retain"


def test_the_delivery_queue_has_a_dead_letter_queue_and_outlasts_the_worker(
    resources: dict[str, Any]
) -> None:
    queues = of_type(resources, "AWS::SQS::Queue")
    assert set(queues) == {"DeliveryQueue", "DeadLetterQueue"}
    delivery = queues["DeliveryQueue"]["Properties"]
    worker = resources["DeliverInquiries"]["Properties"]

    assert delivery["RedrivePolicy"]["maxReceiveCount"] == 5
    assert delivery["VisibilityTimeout"] >= 6 * worker["Timeout"]
    assert queues["DeadLetterQueue"]["Properties"]["MessageRetentionPeriod"] == 14 * 86400
    (source,) = worker["Events"].values()
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["Properties"]["Queue"] == {"Fn::Sub": "${DeliveryQueue.Arn}"}


def test_ses_feedback_goes_through_a_configuration_set_to_the_feedback_function(
    resources: dict[str, Any]
) -> None:
    assert of_type(resources, "AWS::SES::ConfigurationSet")
    (destination,) = of_type(resources, "AWS::SES::ConfigurationSetEventDestination").values()
    event_destination = destination["Properties"]["EventDestination"]
    assert sorted(event_destination["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert event_destination["SnsDestination"]["TopicARN"] == {"Ref": "SesEventsTopic"}
    (subscription,) = resources["RecordSesFeedback"]["Properties"]["Events"].values()
    assert subscription["Properties"]["Topic"] == {"Fn::Sub": "${SesEventsTopic}"}


def test_alarms_watch_dead_letters_worker_errors_bounces_and_alarm_log_lines(
    resources: dict[str, Any]
) -> None:
    metrics = {a["Properties"]["MetricName"]
               for a in of_type(resources, "AWS::CloudWatch::Alarm").values()}

    assert metrics == {"ApproximateNumberOfMessagesVisible", "Errors",
                       "Reputation.BounceRate", "AlarmLogLines"}


def test_every_function_has_its_own_role_and_a_log_group_with_retention(
    resources: dict[str, Any]
) -> None:
    functions = of_type(resources, "AWS::Serverless::Function")
    groups = of_type(resources, "AWS::Logs::LogGroup")

    assert set(functions) == {"APIHandler", "DeliverInquiries", "SweepStalled",
                              "RecordSesFeedback"}
    roles = {f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()}
    assert len(roles) == 4
    assert len(groups) == 4
    assert all(g["Properties"]["RetentionInDays"] == 30 for g in groups.values())


def test_no_role_allows_a_wildcard_action_or_resource(resources: dict[str, Any]) -> None:
    for statement in statements(resources):
        assert "*" not in json.dumps(statement["Action"]), statement["Sid"]
        for resource in statement["Resource"]:
            # Every resource is this stack's (a reference) or names its ARN exactly.
            assert isinstance(resource, dict), statement["Sid"]
            assert "*" not in json.dumps(resource), statement["Sid"]


def test_the_functions_read_their_settings_from_the_stack(resources: dict[str, Any]) -> None:
    for function in of_type(resources, "AWS::Serverless::Function").values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["INQUIRY_TABLE"] == {"Ref": "InquiryTable"}
        assert variables["FORM_TOKEN_SECRET"] == {"Ref": "FormTokenSecret"}
        assert variables["SES_CONFIGURATION_SET"] == {"Ref": "ConfigurationSet"}
        assert variables["STAGE"] == "prod"
