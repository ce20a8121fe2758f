"""The stage's secret from SSM through the Parameters and Secrets Lambda Extension: plain
HTTP to localhost, played here by a small server that answers as the extension does."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.aws.secret_parameter import SecretUnavailable, read_secure_parameter
from chalicelib.core.hashing import derive_key
from chalicelib.wiring import Services
from tests.support.emulator import settings_for_tests

NAME = "/wegweiser/prod/secret"
SECRET = "s" * 48
SESSION_TOKEN = "the-functions-session-token"


class Extension(BaseHTTPRequestHandler):
    """Answers GET /systemsmanager/parameters/get as the extension does, and only with
    the function's session token; records what it was asked."""

    parameters: ClassVar[dict[str, str]] = {NAME: SECRET}
    asked: ClassVar[list[dict[str, list[str]]]] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        self.asked.append(query)
        if self.headers.get("X-Aws-Parameters-Secrets-Token") != SESSION_TOKEN:
            self.send_error(401)
            return
        name = query.get("name", [""])[0]
        if url.path != "/systemsmanager/parameters/get" or name not in self.parameters:
            self.send_error(400)
            return
        body = json.dumps({"Parameter": {"Name": name, "Type": "SecureString",
                                         "Value": self.parameters[name]}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def extension(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The extension's port; the function's environment names it and the session token."""
    Extension.asked = []
    server = HTTPServer(("127.0.0.1", 0), Extension)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = str(server.server_address[1])
    monkeypatch.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", port)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    yield port
    server.shutdown()
    server.server_close()


def test_the_secret_is_read_decrypted_through_the_extension(extension: str) -> None:
    assert read_secure_parameter(NAME) == SECRET.encode()
    assert Extension.asked == [{"name": [NAME], "withDecryption": ["true"]}]


def test_a_stage_without_the_secret_in_its_environment_signs_with_the_parameters(
    extension: str,
) -> None:
    services = Services(settings_for_tests(FORM_TOKEN_SECRET="", SECRET_PARAMETER=NAME))

    token = services.new_form_token()

    assert services.tokens.secret == derive_key(SECRET.encode(), "form tokens")
    assert services.tokens.problem(token, services.clock().timestamp() + 5) is None
    services.new_form_token()
    assert len(Extension.asked) == 1, "read once per container"


def test_a_call_without_the_session_token_is_refused_and_says_so(
    extension: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", "someone-else")

    with pytest.raises(SecretUnavailable, match="answered HTTP 401"):
        read_secure_parameter(NAME)


def test_a_secret_shorter_than_32_characters_is_refused(extension: str) -> None:
    Extension.parameters = {NAME: "short"}
    try:
        with pytest.raises(SecretUnavailable, match="at least 32"):
            read_secure_parameter(NAME)
    finally:
        Extension.parameters = {NAME: SECRET}
