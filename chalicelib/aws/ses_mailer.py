"""Sending one email through SES v2, and what an SES error means for a retry.

Following GOV.UK Notify's email client: SES errors become the core's SendError kinds
(core/ports.py), which say whether trying again can help, so the delivery decides
without knowing SES codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.message import Message
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core.emails import wire_bytes
from chalicelib.core.ports import SendingPaused, SendRejected, SendThrottled

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client


_REJECTED = {
    "MessageRejected",
    "MailFromDomainNotVerifiedException",
    "BadRequestException",
    "NotFoundException",
}
_PAUSED = {"SendingPausedException", "AccountSuspendedException"}


class SESMailer:
    def __init__(self, client: SESV2Client, configuration_set: str | None) -> None:
        self._client = client
        self._configuration_set = configuration_set

    def send(self, message: Message, *, to: str, cc: tuple[str, ...] = (),
             tags: Mapping[str, str] | None = None) -> str:
        """Send a complete MIME message to `to` (and `cc`); the SES message id. The tags
        are SES EmailTags: SES v2 event publishing returns them with each bounce."""
        extra = {"ConfigurationSetName": self._configuration_set} if self._configuration_set else {}
        try:
            answer = self._client.send_email(
                Destination={"ToAddresses": [to], "CcAddresses": list(cc)},
                Content={"Raw": {"Data": wire_bytes(message)}},
                EmailTags=[{"Name": name, "Value": value} for name, value in (tags or {}).items()],
                **extra,  # type: ignore[arg-type]
            )
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code in _REJECTED:
                raise SendRejected(code) from error
            if code in _PAUSED:
                raise SendingPaused(code) from error
            raise SendThrottled(code) from error
        except BotoCoreError as error:
            raise SendThrottled(type(error).__name__) from error
        return answer["MessageId"]
