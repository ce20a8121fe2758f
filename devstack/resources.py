"""Create the table, the queues and the sender identity in an AWS endpoint, idempotently
(and, for `ROUTING_FILE=… make run`, the S3 object the routing is served from).

The same shapes the deployment template declares (a key `pk`, the sparse index the
sweep reads and the one the clock reads, a dead-letter queue after five receives), so
local runs and tests exercise what production has.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from chalicelib.aws.dynamodb_store import DUE_INDEX, PENDING_INDEX

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import KeySchemaElementTypeDef
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sqs import SQSClient

MAX_RECEIVES = 5  # then a delivery message moves to the dead-letter queue


def dead_letter_queue_name(queue_name: str) -> str:
    return f"{queue_name}-dead-letters"


DUE_INDEX_KEYS: list[KeySchemaElementTypeDef] = [
    {"AttributeName": "due", "KeyType": "HASH"},
    {"AttributeName": "due_at", "KeyType": "RANGE"},
]


def ensure_table(client: DynamoDBClient, table_name: str) -> None:
    if table_name in client.list_tables()["TableNames"]:
        _ensure_due_index(client, table_name)
        return
    client.create_table(
        TableName=table_name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "pending", "AttributeType": "S"},
            {"AttributeName": "received_at", "AttributeType": "S"},
            {"AttributeName": "due", "AttributeType": "S"},
            {"AttributeName": "due_at", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": PENDING_INDEX,
                "KeySchema": [
                    {"AttributeName": "pending", "KeyType": "HASH"},
                    {"AttributeName": "received_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": DUE_INDEX,
                "KeySchema": DUE_INDEX_KEYS,
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
    )
    client.get_waiter("table_exists").wait(TableName=table_name)
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )


def _ensure_due_index(client: DynamoDBClient, table_name: str) -> None:
    """A table an older run created (AWS_ENDPOINT_URL kept across runs) gets the clock's index."""
    table = client.describe_table(TableName=table_name)["Table"]
    if DUE_INDEX in {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}:
        return
    client.update_table(
        TableName=table_name,
        AttributeDefinitions=[{"AttributeName": "due", "AttributeType": "S"},
                              {"AttributeName": "due_at", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": DUE_INDEX, "KeySchema": DUE_INDEX_KEYS,
            "Projection": {"ProjectionType": "KEYS_ONLY"}}}],
    )


def ensure_queues(client: SQSClient, queue_name: str, visibility_timeout: int) -> str:
    """Create the delivery queue and its dead-letter queue; the delivery queue's URL."""
    dead_letters = client.create_queue(QueueName=dead_letter_queue_name(queue_name))["QueueUrl"]
    dead_letters_arn = client.get_queue_attributes(
        QueueUrl=dead_letters, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    return client.create_queue(
        QueueName=queue_name,
        Attributes={
            "VisibilityTimeout": str(visibility_timeout),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dead_letters_arn, "maxReceiveCount": str(MAX_RECEIVES)}
            ),
        },
    )["QueueUrl"]


def ensure_sender(client: SESV2Client, sender_email: str) -> None:
    identities = client.list_email_identities()["EmailIdentities"]
    if sender_email not in {identity.get("IdentityName") for identity in identities}:
        client.create_email_identity(EmailIdentity=sender_email)


def put_routing_object(client: S3Client, bucket: str, key: str, text: str, region: str) -> str:
    """Put a routing file where ROUTING_SOURCE reads it, creating the bucket when missing;
    the ROUTING_SOURCE that names it (s3://bucket/key)."""
    if bucket not in {b.get("Name") for b in client.list_buckets().get("Buckets", [])}:
        extra = {} if region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": region}}
        client.create_bucket(Bucket=bucket, **extra)  # type: ignore[arg-type]
    client.put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"),
                      ContentType="application/toml; charset=utf-8")
    return f"s3://{bucket}/{key}"
