"""The message format of the delivery queue, shared by whoever sends and receives it.

A message carries only the reference: the inquiry itself stays in the store, so no
personal data sits in the queue or its dead-letter queue.
"""

from __future__ import annotations

import json


def delivery_message(reference: str) -> str:
    return json.dumps({"reference": reference})


def reference_of(message_body: str) -> str:
    """The reference a delivery message names; ValueError for anything else."""
    body = json.loads(message_body)
    reference = body.get("reference") if isinstance(body, dict) else None
    if not isinstance(reference, str) or not reference:
        raise ValueError("not a delivery message")
    return reference
