"""The one place that puts the pieces together, once per container and only when needed.

The form page needs settings and form tokens but no AWS: building the AWS-backed
services (and importing boto3) waits for the first route or handler that uses them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.form_token import FormTokens
from chalicelib.routing import RoutingConfig, bundled_routing
from chalicelib.settings import Settings
from chalicelib.templating import form_languages

if TYPE_CHECKING:
    from chalicelib.rate_limit import RateLimiter
    from chalicelib.routing_source import RemoteRouting
    from chalicelib.service import Delivery, InquiryIntake, Sweep
    from chalicelib.ses_events import FeedbackRecorder
    from chalicelib.store import InquiryStore


def utc_now() -> datetime:
    return datetime.now(UTC)


@functools.cache
def settings() -> Settings:
    return Settings.from_environ()


@functools.cache
def form_tokens() -> FormTokens:
    return FormTokens(settings().form_token_secret, settings().min_fill_seconds)


def routing() -> RoutingConfig:
    """The bundled routing.toml, or what the stage's ROUTING_SOURCE holds (cached, checked)."""
    source = settings().routing_source
    if source is None:
        return bundled_routing()  # no boto3 for the form page
    return remote_routing(source).current()


@functools.cache
def remote_routing(source: str) -> RemoteRouting:
    import time

    from chalicelib import aws_clients
    from chalicelib.routing_source import (
        RemoteRouting,
        S3Location,
        parse_location,
        s3_text,
        ssm_text,
    )

    location = parse_location(source)
    if isinstance(location, S3Location):
        s3_location = location

        def fetch() -> str:
            return s3_text(aws_clients.s3(), s3_location)
    else:
        ssm_location = location

        def fetch() -> str:
            return ssm_text(aws_clients.ssm(), ssm_location)

    return RemoteRouting(str(location), fetch, time.monotonic,
                         settings().routing_cache_seconds, bundled_routing())


@dataclass(frozen=True)
class Services:
    store: InquiryStore
    rate_limiter: RateLimiter
    feedback: FeedbackRecorder
    intake: InquiryIntake
    delivery: Delivery
    sweep: Sweep


@functools.cache
def services() -> Services:
    from chalicelib import aws_clients
    from chalicelib.delivery_queue import DeliveryQueue
    from chalicelib.emails import Sender
    from chalicelib.mailer import Mailer
    from chalicelib.rate_limit import RateLimiter
    from chalicelib.service import Delivery, InquiryIntake, Sweep
    from chalicelib.ses_events import FeedbackRecorder
    from chalicelib.store import InquiryStore

    config = settings()
    store = InquiryStore(aws_clients.dynamodb(), config.table_name)
    queue = DeliveryQueue(aws_clients.sqs(), config.queue_name)
    return Services(
        store=store,
        rate_limiter=RateLimiter(
            aws_clients.dynamodb(), config.table_name, config.form_token_secret,
            config.rate_limit_per_hour,
        ),
        feedback=FeedbackRecorder(
            aws_clients.dynamodb(), config.table_name, config.form_token_secret
        ),
        intake=InquiryIntake(
            current_routing=routing,
            tokens=form_tokens(),
            store=store,
            queue=queue,
            clock=utc_now,
            languages=form_languages(),
        ),
        delivery=Delivery(
            store=store,
            mailer=Mailer(aws_clients.sesv2(), config.configuration_set),
            sender=Sender(config.sender_email, config.sender_name),
            clock=utc_now,
        ),
        sweep=Sweep(
            store=store,
            queue=queue,
            clock=utc_now,
            grace=timedelta(seconds=config.sweep_grace_seconds),
        ),
    )


def reset() -> None:
    """Forget everything built from the environment (tests change it between cases)."""
    from chalicelib import aws_clients

    for cached in (settings, form_tokens, services, remote_routing):
        cached.cache_clear()
    aws_clients.forget_clients()
