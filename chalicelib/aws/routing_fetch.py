"""Reading the text of a remote routing config from S3 or SSM (see core/remote_routing.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.remote_routing import S3Location, SsmLocation

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_ssm import SSMClient


def s3_text(client: S3Client, location: S3Location) -> str:
    body = client.get_object(Bucket=location.bucket, Key=location.key)["Body"]
    return body.read().decode("utf-8")


def ssm_text(client: SSMClient, location: SsmLocation) -> str:
    # A plain String parameter: the file names staff, and holds no secret.
    parameter = client.get_parameter(Name=location.name, WithDecryption=False)["Parameter"]
    return parameter["Value"]
