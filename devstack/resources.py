"""Create the table, the queues and the sender identity in an AWS endpoint, idempotently.

The same shapes the deployment template declares (a key `pk`, the sparse index the
sweep reads, a dead-letter queue after five receives), so local runs and tests
exercise what production has.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from chalicelib.aws.dynamodb_store import PENDING_INDEX

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sqs import SQSClient

MAX_RECEIVES = 5  # then a delivery message moves to the dead-letter queue


def dead_letter_queue_name(queue_name: str) -> str:
    return f"{queue_name}-dead-letters"


def ensure_table(client: DynamoDBClient, table_name: str) -> None:
    if table_name in client.list_tables()["TableNames"]:
        return
    client.create_table(
        TableName=table_name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "pending", "AttributeType": "S"},
            {"AttributeName": "received_at", "AttributeType": "S"},
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
            }
        ],
    )
    client.get_waiter("table_exists").wait(TableName=table_name)
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
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
