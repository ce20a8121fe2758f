"""Helpers the tests share, one module per job (fixtures themselves live in conftest.py)."""
