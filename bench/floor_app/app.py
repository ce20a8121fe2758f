"""The floor: the least a Chalice app can do to make Wegweiser's AWS calls.

Wegweiser's speed and memory are judged as ratios to this app, measured in the
same run (see bench/cold.py and bench/warm.py). It has the same handlers, with the
same names, and makes the same AWS calls with the same kind of arguments, but
nothing else: no templates, no translations, no routing config, no checks.

  GET /              a fixed page, no AWS
  GET /claim/{reference}, GET /{language}/status/{reference}
                     one get_item, a fixed page (the claim and status pages' floor)
  POST /inquiries    parse the JSON; DynamoDB update_item (the rate limit), get_item (the
                     contacts whose address bounced), transact_write_items (the
                     conditional put and the month's count); SQS
                     get_queue_url (once per process), send_message
  deliver_inquiries  per message: get_item; the confirmation decision: get_item (the
                     address's bounce/complaint counts), update_item (its confirmations
                     today), update_item (the decision on the inquiry); per email:
                     update_item (claim), SES v2 send_email (Content.Raw of a small MIME
                     message), update_item (mark sent); then update_item (delivered)

The bench checks every run: if Wegweiser's calls change, the floor's must follow.
BENCH_CLIENTS names the boto3 clients Wegweiser created on the same path; the
floor creates the same ones, so both pay for the same clients. BENCH_IMPORTS names
the modules the chosen stack makes that path import (Jinja2 for a page or an email,
email-validator where an address is checked): the "stack floor" imports them, unused,
the "bare floor" does not.
"""

from __future__ import annotations

import email.policy
import functools
import importlib
import json
import os
import time
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

import boto3
from chalice.app import Chalice, Response, SQSEvent

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sqs import SQSClient

# The stack floor: what this path cannot do without, imported and not used.
for _module in filter(None, os.environ.get("BENCH_IMPORTS", "").split(",")):
    importlib.import_module(_module)

app = Chalice(app_name="wegweiser-floor")

FIELDS = ("email", "topic", "message", "name", "language")
RETENTION_SECONDS = 180 * 86400
STATISTICS_SECONDS = 5 * 366 * 86400


@functools.cache
def dynamodb() -> DynamoDBClient:
    return boto3.client("dynamodb")


@functools.cache
def sqs() -> SQSClient:
    return boto3.client("sqs")


@functools.cache
def sesv2() -> SESV2Client:
    return boto3.client("sesv2")


CLIENTS: dict[str, Callable[[], object]] = {"dynamodb": dynamodb, "sqs": sqs, "sesv2": sesv2}


def create_clients() -> None:
    """Create the clients Wegweiser created on the same path (BENCH_CLIENTS), once."""
    for name in filter(None, os.environ.get("BENCH_CLIENTS", "").split(",")):
        if name not in CLIENTS:
            raise RuntimeError(f"the floor has no {name} client: add it to CLIENTS")
        CLIENTS[name]()


def table() -> str:
    return os.environ["INQUIRY_TABLE"]


@functools.cache
def queue_url() -> str:
    return sqs().get_queue_url(QueueName=os.environ["DELIVERY_QUEUE_NAME"])["QueueUrl"]


@app.route("/", methods=["GET"])
def form() -> Response:
    return Response(body="<!doctype html><title>Floor</title><form></form>",
                    headers={"Content-Type": "text/html; charset=utf-8"})


def stored_page(reference: str) -> Response:
    """A page about one stored inquiry: one GetItem, a fixed page, no token, no template."""
    found = dynamodb().get_item(TableName=table(), Key={"pk": {"S": f"inquiry#{reference}"}},
                                ConsistentRead=True).get("Item", {})
    return Response(body=f"<!doctype html><title>Floor</title><p>{len(found)}</p>",
                    headers={"Content-Type": "text/html; charset=utf-8"})


@app.route("/claim/{reference}", methods=["GET"])
def claim_page(reference: str) -> Response:
    return stored_page(reference)


@app.route("/{language}/status/{reference}", methods=["GET"])
def status_page(language: str, reference: str) -> Response:
    return stored_page(reference)


@app.route("/inquiries", methods=["POST"], content_types=["application/json"])
def submit_inquiry() -> Response:
    request = app.current_request
    assert request is not None
    fields = json.loads(request.raw_body)
    create_clients()
    now = int(time.time())
    window_end = (now // 3600 + 1) * 3600
    address = request.context.get("identity", {}).get("sourceIp", "")
    dynamodb().update_item(
        TableName=table(),
        Key={"pk": {"S": f"rate#{address}#{now // 3600}"}},
        UpdateExpression="ADD hits :one SET expires_at = if_not_exists(expires_at, :end)",
        ExpressionAttributeValues={":one": {"N": "1"}, ":end": {"N": str(window_end)}},
        ReturnValues="UPDATED_NEW",
    )
    dynamodb().get_item(TableName=table(), Key={"pk": {"S": "contacts#unreachable"}})
    reference = uuid.uuid4().hex[:12]
    item: dict[str, AttributeValueTypeDef] = {
        name: {"S": str(fields.get(name, ""))} for name in FIELDS
    }
    item.update({
        "pk": {"S": f"inquiry#{reference}"},
        "reference": {"S": reference},
        "received_at": {"S": str(now)},
        "pending": {"S": "pending"},
        "expires_at": {"N": str(now + RETENTION_SECONDS)},
    })
    # The inquiry and its count in the month's statistics, both or neither.
    month = time.strftime("%Y-%m", time.gmtime(now))
    dynamodb().transact_write_items(TransactItems=[
        {"Put": {"TableName": table(), "Item": item,
                 "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Update": {"TableName": table(), "Key": {"pk": {"S": f"stats#{month}"}},
                    "UpdateExpression": "ADD #received :one SET expires_at = :end",
                    "ExpressionAttributeNames": {"#received": f"{fields.get('topic')}|received"},
                    "ExpressionAttributeValues": {":one": {"N": "1"},
                                                  ":end": {"N": str(now + STATISTICS_SECONDS)}}}},
    ])
    sqs().send_message(QueueUrl=queue_url(), MessageBody=json.dumps({"reference": reference}))
    return Response(body=json.dumps({"reference": reference}), status_code=201,
                    headers={"Content-Type": "application/json"})


@app.schedule("rate(15 minutes)")
def remind_and_escalate(event: object) -> None:
    """The clock's floor: the one query of the due-by-time index (nothing is due)."""
    create_clients()
    dynamodb().query(
        TableName=table(), IndexName="due-by-time",
        KeyConditionExpression="#due = :due AND #due_at <= :now",
        ExpressionAttributeNames={"#due": "due", "#due_at": "due_at"},
        ExpressionAttributeValues={":due": {"S": "due"},
                                   ":now": {"S": time.strftime("%Y-%m-%dT%H:%M:%S")}},
        ProjectionExpression="pk", Limit=100)


@app.on_sqs_message(queue="wegweiser-deliveries", batch_size=10)
def deliver_inquiries(event: SQSEvent) -> dict[str, Any]:
    create_clients()
    for record in event:
        deliver(json.loads(record.body)["reference"])
    return {"batchItemFailures": []}


def deliver(reference: str) -> None:
    key: dict[str, AttributeValueTypeDef] = {"pk": {"S": f"inquiry#{reference}"}}
    item = dynamodb().get_item(TableName=table(), Key=key, ConsistentRead=True)["Item"]
    contact = json.loads(item["routing"]["S"])["contact_email"]
    # Whether the resident gets a confirmation: the same three calls as ours, no policy.
    dynamodb().get_item(TableName=table(), Key={"pk": {"S": "feedback#floor"}},
                        ConsistentRead=True)
    dynamodb().update_item(
        TableName=table(), Key={"pk": {"S": "confirmations#floor"}},
        UpdateExpression="ADD sent :one SET expires_at = :end",
        ExpressionAttributeValues={":one": {"N": "1"}, ":end": {"N": str(int(time.time()))}},
    )
    dynamodb().update_item(
        TableName=table(), Key=key, UpdateExpression="SET confirmation = :send",
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeValues={":send": {"S": "send"}},
    )
    for kind, to in (("staff", contact), ("resident", item["email"]["S"])):
        now = int(time.time())
        dynamodb().update_item(
            TableName=table(), Key=key, UpdateExpression="SET #lease = :until",
            ConditionExpression="attribute_exists(pk) AND attribute_not_exists(#sent)",
            ExpressionAttributeNames={"#sent": f"{kind}_sent_at", "#lease": f"{kind}_lease"},
            ExpressionAttributeValues={":until": {"N": str(now + 60)}},
        )
        sent = sesv2().send_email(
            Destination={"ToAddresses": [to], "CcAddresses": []},
            Content={"Raw": {"Data": small_message(to, reference)}},
        )
        dynamodb().update_item(
            TableName=table(), Key=key, UpdateExpression="SET #sent = :at, #id = :id",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#sent": f"{kind}_sent_at", "#id": f"{kind}_message_id"},
            ExpressionAttributeValues={":at": {"S": str(now)}, ":id": {"S": sent["MessageId"]}},
        )
    dynamodb().update_item(TableName=table(), Key=key, UpdateExpression="REMOVE #pending",
                           ConditionExpression="attribute_exists(pk)",
                           ExpressionAttributeNames={"#pending": "pending"})


def small_message(to: str, reference: str) -> bytes:
    message = EmailMessage()
    message["From"] = os.environ["SENDER_EMAIL"]
    message["To"] = to
    message["Subject"] = f"Inquiry {reference}"
    message.set_content(f"Inquiry {reference}\n")
    return message.as_bytes(policy=email.policy.SMTP)
