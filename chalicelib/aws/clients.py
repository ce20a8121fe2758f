"""The one place that creates boto3 clients: lazily, once per container.

boto3 costs about 230 ms to import and each client about 100 ms, so a cold start
pays only for the clients its route uses: the form page uses none. The endpoint
comes from boto3's own AWS_ENDPOINT_URL handling, so the same code talks to AWS in
Lambda and to the emulator locally.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from boto3.session import Session
    from botocore.config import Config
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_ssm import SSMClient


@functools.cache
def _session() -> Session:
    import boto3  # deferred: see the module docstring

    return boto3.session.Session()


def _config() -> Config:
    import botocore.config

    # Fail fast inside a request: a resident should get a 503 in seconds, not hang.
    # A Lambda container serves one request at a time; `make run` serves many through
    # the same clients, so the pool is larger than botocore's 10.
    # Client-side parameter validation is off: every call is a fixed code path that the
    # tests run against moto, which validates the same way AWS does; on each request it
    # would walk the whole parameter tree again (about 10 µs per call).
    return botocore.config.Config(
        connect_timeout=3, read_timeout=10, retries={"mode": "standard", "max_attempts": 3},
        max_pool_connections=32, parameter_validation=False,
    )


@functools.cache
def dynamodb() -> DynamoDBClient:
    return _session().client("dynamodb", config=_config())


@functools.cache
def sqs() -> SQSClient:
    return _session().client("sqs", config=_config())


@functools.cache
def sesv2() -> SESV2Client:
    return _session().client("sesv2", config=_config())


@functools.cache
def s3() -> S3Client:
    # Only a stage whose ROUTING_SOURCE is an S3 object uses it.
    return _session().client("s3", config=_config())


@functools.cache
def ssm() -> SSMClient:
    # Only a stage whose ROUTING_SOURCE is an SSM parameter uses it.
    return _session().client("ssm", config=_config())
