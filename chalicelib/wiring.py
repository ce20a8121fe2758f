"""The one place that puts the pieces together, once per container and only when needed.

The form page needs settings and form tokens but no AWS: building the AWS-backed
services (and importing boto3) waits for the first route or handler that uses them.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.form_token import FormTokens
from chalicelib.routing import RoutingConfig, bundled_routing
from chalicelib.settings import Settings
from chalicelib.templating import form_languages

if TYPE_CHECKING:
    from chalicelib.delivery_queue import DeliveryQueue
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


class Services:
    """Each use case with its collaborators, built on first use: a Lambda that only
    accepts inquiries never creates the SES client, one that only sends never the SQS one
    (each client costs about 100 ms of a cold start)."""

    @functools.cached_property
    def store(self) -> InquiryStore:
        from chalicelib import aws_clients
        from chalicelib.store import InquiryStore

        return InquiryStore(aws_clients.dynamodb(), settings().table_name)

    @functools.cached_property
    def queue(self) -> DeliveryQueue:
        from chalicelib import aws_clients
        from chalicelib.delivery_queue import DeliveryQueue

        return DeliveryQueue(aws_clients.sqs(), settings().queue_name)

    @functools.cached_property
    def rate_limiter(self) -> RateLimiter:
        from chalicelib import aws_clients
        from chalicelib.rate_limit import RateLimiter

        config = settings()
        return RateLimiter(aws_clients.dynamodb(), config.table_name,
                           config.form_token_secret, config.rate_limit_per_hour)

    @functools.cached_property
    def feedback(self) -> FeedbackRecorder:
        from chalicelib import aws_clients
        from chalicelib.ses_events import FeedbackRecorder

        config = settings()
        return FeedbackRecorder(aws_clients.dynamodb(), config.table_name,
                                config.form_token_secret)

    @functools.cached_property
    def intake(self) -> InquiryIntake:
        from chalicelib.service import InquiryIntake

        return InquiryIntake(current_routing=routing, tokens=form_tokens(), store=self.store,
                             queue=self.queue, clock=utc_now, languages=form_languages())

    @functools.cached_property
    def delivery(self) -> Delivery:
        from chalicelib import aws_clients
        from chalicelib.emails import Sender
        from chalicelib.mailer import Mailer
        from chalicelib.service import Delivery

        config = settings()
        return Delivery(store=self.store,
                        mailer=Mailer(aws_clients.sesv2(), config.configuration_set),
                        sender=Sender(config.sender_email, config.sender_name),
                        clock=utc_now)

    @functools.cached_property
    def sweep(self) -> Sweep:
        from chalicelib.service import Sweep

        return Sweep(store=self.store, queue=self.queue, clock=utc_now,
                     grace=timedelta(seconds=settings().sweep_grace_seconds))


@functools.cache
def services() -> Services:
    return Services()


def reset() -> None:
    """Forget everything built from the environment (tests change it between cases)."""
    from chalicelib import aws_clients

    for cached in (settings, form_tokens, services, remote_routing):
        cached.cache_clear()
    aws_clients.forget_clients()
