"""The per-stage settings, read from the environment when first needed (never at import).

Each stage's values are in .chalice/config.json; `make run` and the tests add the
ones that differ per run (the emulator's endpoint, a throwaway token secret).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

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
    form_token_secret: bytes
    min_fill_seconds: float
    sweep_grace_seconds: int
    rate_limit_per_hour: int  # submissions per client address and hour; 0: no limit
    # Where the routing config comes from: None for the bundled routing.toml, else
    # "s3://bucket/key" or "ssm:/parameter/name" (see core/remote_routing.py).
    routing_source: str | None = None
    routing_cache_seconds: int = 300  # how long a container keeps what it read there

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        secret = env.get("FORM_TOKEN_SECRET", "")
        if len(secret) < 16:
            raise SettingsError("FORM_TOKEN_SECRET must be set to at least 16 characters")
        if env.get("STAGE", "dev") == "dev" and not env.get("AWS_ENDPOINT_URL"):
            # The dev stage holds the real contact addresses in its routing; it must
            # only ever talk to the emulator, never send real mail.
            raise SettingsError("the dev stage talks only to an emulator: set AWS_ENDPOINT_URL")
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
                form_token_secret=secret.encode(),
                min_fill_seconds=float(env.get("MIN_FILL_SECONDS", "3")),
                sweep_grace_seconds=int(env.get("SWEEP_GRACE_SECONDS", "600")),
                rate_limit_per_hour=int(env.get("RATE_LIMIT_PER_HOUR", "20")),
                routing_source=routing_source,
                routing_cache_seconds=_seconds(env, "ROUTING_CACHE_SECONDS", 300),
            )
        except (KeyError, ValueError) as error:
            raise SettingsError(f"unusable setting: {error}") from error


def _seconds(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise ValueError(f"{name} must be a whole number of seconds, 0 or more: {text!r}")
    return int(text)
