"""The per-stage settings, read from the environment when first needed (never at import).

Each stage's values are in .chalice/config.json; `make run` and the tests add the
ones that differ per run (the emulator's endpoint, a throwaway token secret).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from chalicelib.core.limits import CONFIRMATIONS_PER_DAY
from chalicelib.core.routing_file import parse_contact_domains

# The delivery queue's name is needed at import time by app.py's decorator, so it is
# a constant; a stage may still point its worker at another queue in its template.
DELIVERY_QUEUE = "wegweiser-deliveries"
SES_EVENTS_TOPIC = "wegweiser-ses-events"  # likewise for the SNS topic of SES bounces


class SettingsError(RuntimeError):
    """A required setting is missing or unusable: a deployment mistake, not a resident's."""


@dataclass(frozen=True)
class Settings:
    table_name: str
    queue_name: str
    sender_email: str
    sender_name: str
    configuration_set: str | None
    # The stage's one secret, from which wiring derives a key per job (form tokens,
    # address digests): given as FORM_TOKEN_SECRET (make run, tests), or read from the
    # SSM SecureString parameter SECRET_PARAMETER through the Lambda extension.
    secret: bytes | None
    secret_parameter: str | None
    min_fill_seconds: float
    sweep_grace_seconds: int
    rate_limit_per_hour: int  # submissions per client address and hour; 0: no limit
    confirmations_per_day: int  # to one resident address (see core/confirmations.py)
    # Where the routing config comes from: None for the bundled routing.toml, else
    # "s3://bucket/key" or "ssm:/parameter/name" (see core/remote_routing.py).
    routing_source: str | None = None
    routing_cache_seconds: int = 300  # how long a container keeps what it read there
    # The domains contact addresses may have: a routing that names another one is
    # refused, so a poisoned routing source cannot send inquiries elsewhere.
    contact_domains: frozenset[str] = frozenset()
    # The public address of the API root (ending in "/"), for the links in emails; the
    # delivery worker needs it, the pages use relative links.
    public_url: str = ""
    # The dev stack's moved clock (chalicelib/dev_clock.py): a file with its offset.
    # Only beside an emulator; never set in a deployed stage.
    dev_clock_file: str | None = None
    # How many years the anonymous statistics are kept (core/statistics.py), from the
    # month they count on; the inquiries themselves go after their retention.
    statistics_years: int = 5

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        secret = env.get("FORM_TOKEN_SECRET", "")
        secret_parameter = env.get("SECRET_PARAMETER") or None
        if secret_parameter is None and len(secret) < 16:
            raise SettingsError("set SECRET_PARAMETER, or FORM_TOKEN_SECRET to at least "
                                "16 characters")
        if env.get("STAGE", "dev") == "dev" and not env.get("AWS_ENDPOINT_URL"):
            # The dev stage holds the real contact addresses in its routing; it must
            # only ever talk to the emulator, never send real mail.
            raise SettingsError("the dev stage talks only to an emulator: set AWS_ENDPOINT_URL")
        dev_clock_file = env.get("DEV_CLOCK_FILE") or None
        if dev_clock_file is not None and not env.get("AWS_ENDPOINT_URL"):
            raise SettingsError("DEV_CLOCK_FILE moves the clock of an emulated stack only: "
                                "it needs AWS_ENDPOINT_URL")
        routing_source = env.get("ROUTING_SOURCE") or None
        if routing_source is not None:
            from chalicelib.core.remote_routing import parse_location

            try:
                parse_location(routing_source)
            except ValueError as error:
                raise SettingsError(f"ROUTING_SOURCE: {error}") from error
        try:
            return cls(
                table_name=env.get("INQUIRY_TABLE", "wegweiser-inquiries"),
                queue_name=env.get("DELIVERY_QUEUE_NAME", DELIVERY_QUEUE),
                sender_email=env["SENDER_EMAIL"],
                sender_name=env.get("SENDER_NAME", "Wegweiser Flensburg"),
                configuration_set=env.get("SES_CONFIGURATION_SET") or None,
                secret=secret.encode() if secret_parameter is None else None,
                secret_parameter=secret_parameter,
                min_fill_seconds=float(env.get("MIN_FILL_SECONDS", "3")),
                sweep_grace_seconds=int(env.get("SWEEP_GRACE_SECONDS", "600")),
                rate_limit_per_hour=int(env.get("RATE_LIMIT_PER_HOUR", "20")),
                confirmations_per_day=int(env.get("CONFIRMATIONS_PER_DAY",
                                                  str(CONFIRMATIONS_PER_DAY))),
                routing_source=routing_source,
                routing_cache_seconds=_seconds(env, "ROUTING_CACHE_SECONDS", 300),
                contact_domains=parse_contact_domains(env.get("CONTACT_DOMAINS", "")),
                public_url=_url(env.get("PUBLIC_URL", "")),
                dev_clock_file=dev_clock_file,
                statistics_years=int(env.get("STATISTICS_YEARS", "5")),
            )
        except (KeyError, ValueError) as error:
            raise SettingsError(f"unusable setting: {error}") from error


def _url(text: str) -> str:
    """PUBLIC_URL: http(s)://…, always ending in "/" so that links are joined to it."""
    text = text.strip()
    if not text:
        return ""
    if not text.startswith(("https://", "http://")) or any(c.isspace() for c in text):
        raise ValueError(f"PUBLIC_URL must be an http(s) address: {text!r}")
    return text if text.endswith("/") else f"{text}/"


def _seconds(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise ValueError(f"{name} must be a whole number of seconds, 0 or more: {text!r}")
    return int(text)
