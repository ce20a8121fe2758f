"""The domain and the use cases: what Wegweiser does, knowing nothing of AWS or Chalice.

Rule (checked by import-linter in `make lint`): modules here import the standard
library, Jinja2, email-validator and each other, never boto3, botocore, chalice or
another package of chalicelib. What the use cases need from the outside world is
declared in ports.py as Protocols, with the exceptions an adapter raises.
"""
