"""From a parsed HTTP request to an Answer (status, headers, body): pages, JSON, OpenAPI.

Rule (checked by import-linter): never chalice, never an adapter of chalicelib.aws;
the use cases and ports it calls come from core, built by wiring.py.
"""
