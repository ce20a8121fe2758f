"""The stage's secret from an SSM SecureString parameter, through the AWS Parameters and
Secrets Lambda Extension: plain HTTP to localhost, so the form page (which signs form
tokens) reads it without importing boto3 or creating a client.

The extension runs beside the function as a layer, authenticates the call with the
function's session token, decrypts with KMS and caches the value (default 300 s).
Read once per container (wiring caches it): a rotated secret takes effect with the
next containers.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from urllib.parse import quote

DEFAULT_PORT = "2773"


class SecretUnavailable(RuntimeError):
    """The secret cannot be read: a deployment mistake (layer, permission, parameter)."""


def read_secure_parameter(name: str, environ: Mapping[str, str] | None = None) -> bytes:
    env = os.environ if environ is None else environ
    port = env.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", DEFAULT_PORT)
    if not port.isdigit():
        raise SecretUnavailable(f"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: {port!r} is no port")
    url = (f"http://localhost:{port}/systemsmanager/parameters/get"
           f"?name={quote(name, safe='')}&withDecryption=true")
    request = urllib.request.Request(
        url, headers={"X-Aws-Parameters-Secrets-Token": env.get("AWS_SESSION_TOKEN", "")})
    try:
        # The URL is fixed and local (bandit B310 / ruff S310 fear file:// and remote URLs).
        with urllib.request.urlopen(request, timeout=3) as answer:  # noqa: S310  # nosec B310
            value = json.load(answer)["Parameter"]["Value"]
    except urllib.error.HTTPError as error:
        error.close()  # its body is not needed: the status says it
        raise SecretUnavailable(f"SECRET_PARAMETER {name}: the Parameters and Secrets "
                                f"extension answered HTTP {error.code}") from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SecretUnavailable(f"SECRET_PARAMETER {name}: cannot be read through the "
                            f"Parameters and Secrets extension ({type(error).__name__})") from error
    if not isinstance(value, str) or len(value) < 32:
        raise SecretUnavailable(f"SECRET_PARAMETER {name}: must hold at least 32 characters")
    return value.encode()
