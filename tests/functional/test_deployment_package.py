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

from chalicelib.core.telemetry import ALARM_METRICS

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
def template(package: Path) -> dict[str, Any]:
    return dict(json.loads((package / "sam.json").read_text()))


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return dict(template["Resources"])


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in resources.items() if r["Type"] == kind}


def statements(resources: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for role in of_type(resources, "AWS::IAM::Role").values():
        for policy in role["Properties"]["Policies"]:
            yield from policy["PolicyDocument"]["Statement"]


def referenced(value: Any) -> str:
    """The logical id that a {"Ref": id} or {"Fn::GetAtt": [id, attribute]} names."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    raise AssertionError(f"not a reference to a resource of this stack: {value!r}")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def sub_text(value: Any) -> str:
    """A plain string, or the text of an {"Fn::Sub": text}."""
    return str(value["Fn::Sub"]) if isinstance(value, dict) else str(value)


def key_statements(resources: dict[str, Any], key_id: str) -> list[dict[str, Any]]:
    key = resources[key_id]
    assert key["Type"] == "AWS::KMS::Key"
    return list(key["Properties"]["KeyPolicy"]["Statement"])


def allowed_for(statements_: list[dict[str, Any]], service: str) -> list[dict[str, Any]]:
    return [s for s in statements_ if s["Effect"] == "Allow"
            and service in {sub_text(p) for p in as_list(s["Principal"].get("Service", []))}]


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


def test_alarms_watch_dead_letters_function_errors_bounces_and_every_alarming_metric(
    resources: dict[str, Any]
) -> None:
    alarms = of_type(resources, "AWS::CloudWatch::Alarm").values()
    ours = {a["Properties"]["MetricName"] for a in alarms
            if a["Properties"]["Namespace"] == {"Fn::Sub": "Wegweiser/${AWS::StackName}"}}
    aws_metrics = {(a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms
                   if isinstance(a["Properties"]["Namespace"], str)}

    # The metrics the code writes for the events a person must act on (telemetry.py).
    assert ours == ALARM_METRICS
    assert aws_metrics == {("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
                           ("AWS/Lambda", "Errors"), ("AWS/SES", "Reputation.BounceRate")}


def test_the_clock_runs_every_15_minutes_and_finds_its_work_in_a_sparse_index_of_due_times(
    resources: dict[str, Any]
) -> None:
    (table,) = of_type(resources, "AWS::DynamoDB::Table").values()
    indexes = {i["IndexName"]: i for i in table["Properties"]["GlobalSecondaryIndexes"]}
    clock = resources["RemindAndEscalate"]["Properties"]
    (schedule,) = clock["Events"].values()
    role = resources[clock["Role"]["Fn::GetAtt"][0]]
    (document,) = [p["PolicyDocument"] for p in role["Properties"]["Policies"]]
    allowed = {(action, json.dumps(resource)) for statement in document["Statement"]
               for action in statement["Action"] for resource in statement["Resource"]}

    assert indexes["due-by-time"]["KeySchema"] == [
        {"AttributeName": "due", "KeyType": "HASH"},
        {"AttributeName": "due_at", "KeyType": "RANGE"}]
    assert indexes["due-by-time"]["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert schedule["Properties"]["Schedule"] == "rate(15 minutes)"
    table_arn = json.dumps({"Fn::GetAtt": ["InquiryTable", "Arn"]})
    dynamodb = {(action, resource) for action, resource in allowed
                if action.startswith("dynamodb:")}
    assert dynamodb == {
        ("dynamodb:Query", json.dumps({"Fn::Sub": "${InquiryTable.Arn}/index/due-by-time"})),
        ("dynamodb:GetItem", table_arn), ("dynamodb:UpdateItem", table_arn)}, "never a scan"
    assert ("sqs:SendMessage", json.dumps({"Fn::GetAtt": ["DeliveryQueue", "Arn"]})) in allowed
    assert not any(action.startswith("ses:") for action, _ in allowed), "delivery sends"


def test_the_workers_claim_links_lead_to_the_api_or_the_address_the_stack_is_given(
    resources: dict[str, Any]
) -> None:
    variables = resources["DeliverInquiries"]["Properties"]["Environment"]["Variables"]

    assert variables["PUBLIC_URL"] == {"Fn::If": [
        "HasPublicUrl", {"Ref": "PublicUrl"},
        {"Fn::Sub": "https://${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api/"}]}


def test_no_alarm_depends_on_the_text_of_a_log_line(resources: dict[str, Any]) -> None:
    assert of_type(resources, "AWS::Logs::MetricFilter") == {}


def test_the_functions_write_their_metrics_into_the_stacks_namespace(
    resources: dict[str, Any]
) -> None:
    for function in of_type(resources, "AWS::Serverless::Function").values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["METRICS_NAMESPACE"] == {"Fn::Sub": "Wegweiser/${AWS::StackName}"}


def test_every_function_has_its_own_role_and_a_log_group_with_retention(
    resources: dict[str, Any]
) -> None:
    functions = of_type(resources, "AWS::Serverless::Function")
    groups = of_type(resources, "AWS::Logs::LogGroup")

    assert set(functions) == {"APIHandler", "DeliverInquiries", "SweepStalled",
                              "RemindAndEscalate", "RecordSesFeedback", "SendMonthlyReport"}
    roles = {f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()}
    assert len(roles) == 6
    assert len(groups) == 7  # one per function, and the API's access log
    assert all(g["Properties"]["RetentionInDays"] == 30 for g in groups.values())


def test_the_monthly_report_runs_every_morning_and_may_only_read_counts_and_send(
    resources: dict[str, Any]
) -> None:
    report = resources["SendMonthlyReport"]["Properties"]
    (event,) = report["Events"].values()
    assert event["Properties"]["Schedule"] == "cron(0 7 * * ? *)"
    role = resources[report["Role"]["Fn::GetAtt"][0]]
    allowed = {action for statement in role["Properties"]["Policies"][0]["PolicyDocument"][
        "Statement"] for action in statement["Action"]}
    assert allowed == {"logs:CreateLogStream", "logs:PutLogEvents", "dynamodb:BatchGetItem",
                       "dynamodb:UpdateItem", "ses:SendEmail", "ses:SendRawEmail"}
    # It reads the months' counts by key (BatchGetItem) and writes the report log: no
    # query and no scan, no SQS, no secret.
    assert report["Environment"]["Variables"]["STATISTICS_YEARS"] == {"Ref": "StatisticsYears"}


def test_no_role_allows_a_wildcard_action_or_resource(resources: dict[str, Any]) -> None:
    for statement in statements(resources):
        assert "*" not in json.dumps(statement["Action"]), statement["Sid"]
        for resource in statement["Resource"]:
            # Every resource is this stack's (a reference) or names its ARN exactly.
            assert isinstance(resource, dict), statement["Sid"]
            assert "*" not in json.dumps(resource), statement["Sid"]


# The monthly report signs no link: it gets no secret, nor the layer that reads one.
WITHOUT_SECRET = {"SendMonthlyReport"}


def test_the_functions_read_their_settings_from_the_stack(resources: dict[str, Any]) -> None:
    for name, function in of_type(resources, "AWS::Serverless::Function").items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["INQUIRY_TABLE"] == {"Ref": "InquiryTable"}
        assert "FORM_TOKEN_SECRET" not in variables, "the secret is never in the environment"
        assert variables["SECRET_PARAMETER"] == {"Ref": "SecretParameterName"}
        if name not in WITHOUT_SECRET:
            assert function["Properties"]["Layers"] == [{"Ref": "SecretsExtensionLayerArn"}]
        assert variables["SES_CONFIGURATION_SET"] == {"Ref": "ConfigurationSet"}
        assert variables["STAGE"] == "prod"


def test_each_function_may_read_and_decrypt_the_stage_secret_and_nothing_else_of_ssm(
    resources: dict[str, Any]
) -> None:
    for name, function in of_type(resources, "AWS::Serverless::Function").items():
        role = resources[function["Properties"]["Role"]["Fn::GetAtt"][0]]
        (document,) = [p["PolicyDocument"] for p in role["Properties"]["Policies"]]
        by_sid = {s["Sid"]: s for s in document["Statement"]}
        if name in WITHOUT_SECRET:
            assert not any("ssm:" in str(s["Action"]) for s in document["Statement"])
            continue
        assert by_sid["ReadTheStageSecret"]["Action"] == ["ssm:GetParameter"]
        assert by_sid["ReadTheStageSecret"]["Resource"] == [{"Fn::Sub": (
            "arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:parameter${SecretParameterName}")}]
        assert by_sid["DecryptTheStageSecret"]["Condition"] == {"StringEquals": {
            "kms:ViaService": {"Fn::Sub": "ssm.${AWS::Region}.amazonaws.com"}}}


def test_both_topics_use_the_stacks_own_key_which_alarms_and_ses_may_publish_with(
    resources: dict[str, Any]
) -> None:
    # With alias/aws/sns, CloudWatch and SES cannot publish: that key's policy is AWS's.
    topics = of_type(resources, "AWS::SNS::Topic")
    assert set(topics) == {"AlarmTopic", "SesEventsTopic"}
    (key_id,) = {referenced(t["Properties"]["KmsMasterKeyId"]) for t in topics.values()}
    key = resources[key_id]["Properties"]
    policy = key_statements(resources, key_id)

    assert key["EnableKeyRotation"] is True
    assert all(s["Principal"] != "*" and s["Principal"].get("AWS") != "*" for s in policy)
    for service in ("cloudwatch.amazonaws.com", "ses.amazonaws.com"):
        (statement,) = allowed_for(policy, service)
        assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(as_list(statement["Action"]))
        assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {
            "Ref": "AWS::AccountId"}
    (administration,) = [s for s in policy if "AWS" in s["Principal"]]
    assert administration["Principal"]["AWS"] == {
        "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}


def test_every_log_group_is_encrypted_with_the_stacks_key_which_logs_may_use_for_it(
    resources: dict[str, Any]
) -> None:
    groups = of_type(resources, "AWS::Logs::LogGroup")
    (key_id,) = {referenced(g["Properties"]["KmsKeyId"]) for g in groups.values()}
    (statement,) = allowed_for(key_statements(resources, key_id),
                               "logs.${AWS::Region}.amazonaws.com")
    allowed_arns = {sub_text(arn) for arn in as_list(
        statement["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"])}

    # A log group the key policy does not name could not be created with the key.
    arn_prefix = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
    assert allowed_arns == {arn_prefix + sub_text(g["Properties"]["LogGroupName"])
                            for g in groups.values()}


def test_the_queues_are_encrypted_at_rest(resources: dict[str, Any]) -> None:
    for name, queue in of_type(resources, "AWS::SQS::Queue").items():
        properties = queue["Properties"]
        assert properties.get("SqsManagedSseEnabled") is True or properties.get(
            "KmsMasterKeyId"), name


def test_the_api_logs_each_request_without_query_or_body_and_is_traced(
    resources: dict[str, Any]
) -> None:
    api = resources["RestAPI"]["Properties"]
    setting = api["AccessLogSetting"]
    group = resources[referenced(setting["DestinationArn"])]
    fields = json.loads(setting["Format"])

    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == 30
    assert group["Properties"]["KmsKeyId"]
    assert fields["requestId"] == "$context.requestId"
    assert fields["ip"] == "$context.identity.sourceIp"
    assert fields["status"] == "$context.status"
    assert fields["path"] == "$context.path"  # the path alone: no query string
    assert not any(word in setting["Format"].lower()
                   for word in ("querystring", "body", "$input", "requestoverride"))
    assert api["TracingEnabled"] is True


def test_the_api_and_the_worker_have_reserved_concurrency_from_stack_parameters(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    parameters = template["Parameters"]
    api = resources["APIHandler"]["Properties"]
    worker = resources["DeliverInquiries"]["Properties"]
    (source,) = worker["Events"].values()

    assert api["ReservedConcurrentExecutions"] == {"Ref": "ApiReservedConcurrency"}
    assert worker["ReservedConcurrentExecutions"] == {"Ref": "WorkerReservedConcurrency"}
    for name in ("ApiReservedConcurrency", "WorkerReservedConcurrency"):
        assert parameters[name]["Type"] == "Number"
        assert parameters[name]["Default"] >= parameters[name]["MinValue"] >= 1
    # The SQS poller stays within the reservation: a throttled batch would count as a
    # receive and could reach the dead-letter queue unsent.
    assert source["Properties"]["ScalingConfig"]["MaximumConcurrency"] == {
        "Ref": "WorkerReservedConcurrency"}
    assert parameters["WorkerReservedConcurrency"]["MinValue"] >= 2  # SQS's minimum


def test_every_checkov_skip_in_the_template_gives_its_reason(
    resources: dict[str, Any]
) -> None:
    skips = [(name, skip) for name, resource in resources.items()
             for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])]

    assert skips
    for name, skip in skips:
        assert str(skip.get("id", "")).startswith("CKV"), name
        assert len(str(skip.get("comment", "")).split()) >= 5, (name, skip.get("id"))
