"""Wegweiser on one machine: the AWS emulator, its resources, the server, the worker, the outbox.

Used by `make run` and by the end-to-end tests; never deployed.
"""
