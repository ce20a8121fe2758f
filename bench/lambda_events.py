"""The events the bench hands to a handler, shaped as Lambda delivers them.

API Gateway's REST proxy event for the routes, SQS's batch event for the worker, and
the one inquiry every POST of the bench sends, so that ours and the floor get the
same input byte for byte.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from chalicelib.core.delivery_message import delivery_message
from devstack.worker import lambda_sqs_event

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import MessageTypeDef

# A valid inquiry, routed to a contact who writes German, from a resident who reads Arabic.
INQUIRY = {
    "name": "Amal",
    "email": "resident@example.org",
    "topic": "education",
    "language": "ar",
    "message": "مرحبا،\nأبحث عن دورة لغة ألمانية لابنتي. هل يمكنكم مساعدتي؟",
}
QUEUE_ARN = "arn:aws:sqs:eu-central-1:123456789012:wegweiser-deliveries"


def inquiry_body(form_token: str) -> str:
    return json.dumps({**INQUIRY, "form_token": form_token}, ensure_ascii=False)


def api_event(method: str, path: str, body: str | None = None) -> dict[str, Any]:
    """A REST API proxy event for a route without path parameters (`/`, `/inquiries`)."""
    headers = {"accept-language": "ar,de;q=0.8", "host": "bench.execute-api.test",
               "user-agent": "bench"}
    if body is not None:
        headers["content-type"] = "application/json"
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/api{path}",
            "stage": "api",
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": "192.0.2.10"},
        },
        "body": body,
        "isBase64Encoded": False,
    }


def sqs_event(reference: str) -> dict[str, Any]:
    """The delivery queue's event for one message naming `reference`."""
    message: MessageTypeDef = {
        "MessageId": str(uuid.uuid4()), "ReceiptHandle": "bench",
        "Body": delivery_message(reference),
    }
    return lambda_sqs_event([message], QUEUE_ARN)


def scheduled_event() -> dict[str, Any]:
    """EventBridge's event for a schedule, as the clock's Lambda receives it."""
    from devstack.worker import scheduled_event as event

    return event()
