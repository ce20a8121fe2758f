"""The service's default limits, in a module of their own: chalicelib/settings.py reads
them on every cold start, and must not import the use cases they belong to (the API's
cold start would pay for the worker's SES feedback module)."""

# Confirmations to one resident address per day (core/confirmations.py).
CONFIRMATIONS_PER_DAY = 3
