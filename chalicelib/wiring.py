"""The one place that puts the pieces together: core use cases, AWS adapters, settings.

`Services(settings, store=…, mailer=…, clock=…)` builds each use case on first use,
from the adapters it is given or, for what it is not given, from boto3 clients (in
the spirit of Cosmic Python's bootstrap): tests pass fakes or emulator-backed
adapters instead of patching. The form page needs settings and form tokens but no
AWS: an adapter (and boto3) is built only when a route or handler first uses it, so
a Lambda that only accepts inquiries never creates the SES client, and one that only
sends never the SQS one (each client costs about 100 ms of a cold start).

app.py's handlers serve with `services()`: the container's, built from the
environment on first use. A test that drives app.py hands in its own with `serving`.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.core.form_token import FormTokens
from chalicelib.core.hashing import derive_key
from chalicelib.core.routing import RoutingConfig
from chalicelib.core.routing_file import bundled_routing
from chalicelib.core.templating import form_languages
from chalicelib.core.thanks_token import ThanksTokens
from chalicelib.settings import Settings, SettingsError

if TYPE_CHECKING:
    from chalicelib.core.claims import Claims, ClaimTokens
    from chalicelib.core.delivery import Delivery
    from chalicelib.core.erasure import Erasure
    from chalicelib.core.escalation import EscalationClock
    from chalicelib.core.follow_up import AnswerLinks, AnswerTokens, FollowUps
    from chalicelib.core.intake import InquiryIntake
    from chalicelib.core.ports import (
        Clock,
        Counter,
        DeliveryQueue,
        InquiryStore,
        Mailer,
        ReportLog,
        StatisticsSource,
        UnreachableContacts,
    )
    from chalicelib.core.records import InquiryRecord
    from chalicelib.core.remote_routing import RemoteRouting
    from chalicelib.core.ses_feedback import FeedbackRecorder
    from chalicelib.core.statistics_report import MonthlyReport
    from chalicelib.core.status import StatusLinks, StatusPages, StatusTokens
    from chalicelib.core.sweep import Sweep


def utc_now() -> datetime:
    return datetime.now(UTC)


class Services:
    """Each use case with its collaborators, built on first use; any adapter may be given."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = utc_now,
        routing: Callable[[], RoutingConfig] | None = None,
        store: InquiryStore | None = None,
        queue: DeliveryQueue | None = None,
        mailer: Mailer | None = None,
        counter: Counter | None = None,
        unreachable: UnreachableContacts | None = None,
        report_log: ReportLog | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self._routing = routing
        self._given = {"store": store, "queue": queue, "mailer": mailer, "counter": counter,
                       "unreachable": unreachable, "report_log": report_log}

    def routing(self) -> RoutingConfig:
        """The routing to serve now: given, bundled, or the stage's ROUTING_SOURCE (cached)."""
        if self._routing is not None:
            return self._routing()
        if self.settings.routing_source is None:
            return bundled_routing(self.settings.contact_domains)  # no boto3 for the form page
        return self.remote_routing.current()

    @functools.cached_property
    def secret(self) -> bytes:
        """The stage's secret: from the settings, or read once per container from SSM."""
        if self.settings.secret is not None:
            return self.settings.secret
        from chalicelib.aws.secret_parameter import read_secure_parameter

        if self.settings.secret_parameter is None:
            raise SettingsError("neither a secret nor SECRET_PARAMETER is set")
        return read_secure_parameter(self.settings.secret_parameter)

    @functools.cached_property
    def hash_key(self) -> bytes:
        return derive_key(self.secret, "address digests")

    @functools.cached_property
    def tokens(self) -> FormTokens:
        return FormTokens(derive_key(self.secret, "form tokens"), self.settings.min_fill_seconds)

    @functools.cached_property
    def claim_tokens(self) -> ClaimTokens:
        from chalicelib.core.claims import ClaimTokens

        return ClaimTokens(derive_key(self.secret, "claim links"))

    @functools.cached_property
    def status_tokens(self) -> StatusTokens:
        from chalicelib.core.status import StatusTokens

        return StatusTokens(derive_key(self.secret, "status links"))

    @functools.cached_property
    def status_links(self) -> StatusLinks:
        from chalicelib.core.status import StatusLinks

        if not self.settings.public_url:
            raise SettingsError("the status links need PUBLIC_URL, the API's address")
        return StatusLinks(self.status_tokens, self.settings.public_url)

    @functools.cached_property
    def answer_tokens(self) -> AnswerTokens:
        from chalicelib.core.follow_up import AnswerTokens

        return AnswerTokens(derive_key(self.secret, "answer links"))

    @functools.cached_property
    def answer_links(self) -> AnswerLinks:
        from chalicelib.core.follow_up import AnswerLinks

        if not self.settings.public_url:
            raise SettingsError("the follow-up's links need PUBLIC_URL, the API's address")
        return AnswerLinks(self.answer_tokens, self.settings.public_url)

    def new_status_link(self, record: InquiryRecord) -> str:
        """The resident's status link of an inquiry, as its confirmation carries it."""
        return self.status_links.url(record)

    def new_form_token(self) -> str:
        return self.tokens.issue(self.clock().timestamp())

    @functools.cached_property
    def thanks_tokens(self) -> ThanksTokens:
        return ThanksTokens(derive_key(self.secret, "thanks tokens"))

    def new_thanks_token(self, reference: str) -> str:
        """For the thank-you page's URL: lets it read this one inquiry for an hour."""
        return self.thanks_tokens.issue(reference, self.clock().timestamp())

    # The adapters: given, or built from boto3 clients on first use.

    @functools.cached_property
    def store(self) -> InquiryStore:
        if (given := self._given["store"]) is not None:
            return given  # type: ignore[return-value]
        from chalicelib.aws import clients
        from chalicelib.aws.dynamodb_store import DynamoDBInquiryStore

        return DynamoDBInquiryStore(clients.dynamodb(), self.settings.table_name,
                                    self.settings.statistics_years)

    @functools.cached_property
    def statistics(self) -> StatisticsSource:
        """The anonymous counts: the store's own items (the fake store holds them too)."""
        return self.store  # type: ignore[return-value]

    @functools.cached_property
    def report_log(self) -> ReportLog:
        if (given := self._given["report_log"]) is not None:
            return given  # type: ignore[return-value]
        from chalicelib.aws import clients
        from chalicelib.aws.report_log import DynamoDBReportLog

        return DynamoDBReportLog(clients.dynamodb(), self.settings.table_name)

    @functools.cached_property
    def queue(self) -> DeliveryQueue:
        if (given := self._given["queue"]) is not None:
            return given  # type: ignore[return-value]
        from chalicelib.aws import clients
        from chalicelib.aws.sqs_queue import SQSDeliveryQueue

        return SQSDeliveryQueue(clients.sqs(), self.settings.queue_name)

    @functools.cached_property
    def mailer(self) -> Mailer:
        if (given := self._given["mailer"]) is not None:
            return given  # type: ignore[return-value]
        from chalicelib.aws import clients
        from chalicelib.aws.ses_mailer import SESMailer

        return SESMailer(clients.sesv2(), self.settings.configuration_set)

    @functools.cached_property
    def counter(self) -> Counter:
        if (given := self._given["counter"]) is not None:
            return given  # type: ignore[return-value]
        from chalicelib.aws import clients
        from chalicelib.aws.counters import DynamoDBCounter

        return DynamoDBCounter(clients.dynamodb(), self.settings.table_name)

    @functools.cached_property
    def unreachable(self) -> UnreachableContacts:
        if (given := self._given["unreachable"]) is not None:
            return given  # type: ignore[return-value]
        from chalicelib.aws import clients
        from chalicelib.aws.unreachable_contacts import DynamoDBUnreachableContacts

        return DynamoDBUnreachableContacts(clients.dynamodb(), self.settings.table_name)

    @functools.cached_property
    def remote_routing(self) -> RemoteRouting:
        from chalicelib.aws import clients
        from chalicelib.aws.routing_fetch import s3_text, ssm_text
        from chalicelib.core.remote_routing import RemoteRouting, S3Location, parse_location

        source = self.settings.routing_source
        if source is None:
            raise SettingsError("remote routing needs a ROUTING_SOURCE")
        location = parse_location(source)
        if isinstance(location, S3Location):
            s3_location = location

            def fetch() -> str:
                return s3_text(clients.s3(), s3_location)
        else:
            ssm_location = location

            def fetch() -> str:
                return ssm_text(clients.ssm(), ssm_location)

        domains = self.settings.contact_domains
        return RemoteRouting(str(location), fetch, time.monotonic,
                             self.settings.routing_cache_seconds, bundled_routing(domains),
                             domains)

    # The use cases.

    @functools.cached_property
    def intake(self) -> InquiryIntake:
        from chalicelib.core.intake import InquiryIntake
        from chalicelib.core.rate_limit import RateLimit

        rate_limit = RateLimit(self.counter, self.hash_key,
                               self.settings.rate_limit_per_hour)
        return InquiryIntake(current_routing=self.routing, tokens=self.tokens, store=self.store,
                             queue=self.queue, rate_limit=rate_limit, clock=self.clock,
                             languages=form_languages(), unreachable=self.unreachable)

    @functools.cached_property
    def delivery(self) -> Delivery:
        from chalicelib.core.claims import ClaimLinks
        from chalicelib.core.confirmations import ConfirmationPolicy
        from chalicelib.core.delivery import Delivery
        from chalicelib.core.emails import Sender
        from chalicelib.core.links import Links

        if not self.settings.public_url:
            raise SettingsError("the emails' claim links need PUBLIC_URL, the API's address")
        return Delivery(store=self.store, mailer=self.mailer,
                        sender=Sender(self.settings.sender_email, self.settings.sender_name),
                        confirmations=ConfirmationPolicy(self.counter, self.hash_key,
                                                         self.settings.confirmations_per_day),
                        clock=self.clock,
                        links=Links(claim=ClaimLinks(self.claim_tokens,
                                                     self.settings.public_url),
                                    status=self.status_links, answer=self.answer_links))

    @functools.cached_property
    def claims(self) -> Claims:
        from chalicelib.core.claims import Claims

        return Claims(store=self.store, tokens=self.claim_tokens, clock=self.clock)

    @functools.cached_property
    def status_pages(self) -> StatusPages:
        from chalicelib.core.status import StatusPages

        return StatusPages(store=self.store, tokens=self.status_tokens, clock=self.clock)

    @functools.cached_property
    def erasure(self) -> Erasure:
        from chalicelib.core.erasure import Erasure

        return Erasure(store=self.store, tokens=self.status_tokens, queue=self.queue,
                       clock=self.clock)

    @functools.cached_property
    def follow_ups(self) -> FollowUps:
        from chalicelib.core.follow_up import FollowUps

        return FollowUps(store=self.store, tokens=self.answer_tokens, clock=self.clock,
                         not_answered=self.escalation.not_answered)

    @functools.cached_property
    def escalation(self) -> EscalationClock:
        from chalicelib.core.escalation import EscalationClock

        return EscalationClock(store=self.store, queue=self.queue,
                               current_routing=self.routing, clock=self.clock,
                               unreachable=self.unreachable)

    @functools.cached_property
    def monthly_report(self) -> MonthlyReport:
        from chalicelib.core.emails import Sender
        from chalicelib.core.statistics_report import MonthlyReport

        return MonthlyReport(source=self.statistics, log=self.report_log, mailer=self.mailer,
                             sender=Sender(self.settings.sender_email, self.settings.sender_name),
                             routing=self.routing, clock=self.clock)

    @functools.cached_property
    def sweep(self) -> Sweep:
        from chalicelib.core.sweep import Sweep

        return Sweep(store=self.store, queue=self.queue, clock=self.clock,
                     grace=timedelta(seconds=self.settings.sweep_grace_seconds))

    @functools.cached_property
    def feedback(self) -> FeedbackRecorder:
        from chalicelib.core.ses_feedback import FeedbackRecorder

        return FeedbackRecorder(self.counter, self.hash_key, store=self.store, queue=self.queue,
                                unreachable=self.unreachable,
                                fail_over=self.escalation.fail_over)


_serving: Services | None = None


def services() -> Services:
    """The services app.py's handlers use: built from the environment on first use."""
    global _serving
    if _serving is None:
        settings = Settings.from_environ()
        clock: Clock = utc_now
        if settings.dev_clock_file is not None:
            from chalicelib.dev_clock import DevClock

            clock = DevClock(settings.dev_clock_file)
        _serving = Services(settings, clock=clock)
    return _serving


@contextmanager
def serving(chosen: Services) -> Iterator[Services]:
    """Let app.py's handlers use `chosen` inside the block (tests, tools), then the
    services they had before."""
    global _serving
    before, _serving = _serving, chosen
    try:
        yield chosen
    finally:
        _serving = before


def wegweiser(argv: Sequence[str] | None = None) -> int:
    """The admins' command (chalicelib/admin/cli.py), with the adapter `stats` reads."""
    from chalicelib.admin.cli import main

    return main(argv, statistics=_statistics_of_table)


def _statistics_of_table(table_name: str) -> StatisticsSource:
    from chalicelib.aws import clients
    from chalicelib.aws.dynamodb_store import DynamoDBInquiryStore

    return DynamoDBInquiryStore(clients.dynamodb(), table_name)
