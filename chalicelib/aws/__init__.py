"""The adapters: the ports of chalicelib.core implemented with boto3 clients.

Rule (checked by import-linter): modules here import core and botocore; boto3 itself
only in clients.py, the one lazy factory of clients.
"""
