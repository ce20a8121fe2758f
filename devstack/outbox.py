"""The emails the emulator's SES "sent": read back from moto, and shown on a dev-only page.

moto keeps every raw message given to SES v2 `send_email` (Content.Raw); its
/moto-api/data.json returns them. Tests read the same list to check who got what.
This page is served by `make run` on its own port; it is not part of the app and
does not exist in any deployed stage.
"""

from __future__ import annotations

import email
import email.policy
import json
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class SentEmail:
    message_id: str
    recipients: tuple[str, ...]
    message: EmailMessage

    def header(self, name: str) -> str:
        value = self.message[name]
        return "" if value is None else str(value)

    @property
    def subject(self) -> str:
        return self.header("Subject")

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        if body is None:
            return ""
        return body.get_content()  # type: ignore[no-any-return]

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def html(self) -> str:
        return self.part("html")


def sent_emails(endpoint_url: str) -> list[SentEmail]:
    """Every email SES accepted, oldest first."""
    with urllib.request.urlopen(f"{endpoint_url}/moto-api/data.json", timeout=10) as answer:  # noqa: S310 - the emulator's own URL
        data = json.load(answer)
    emails = []
    for raw in data.get("ses", {}).get("RawMessage", []):
        message = email.message_from_string(raw["raw_data"], policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        # The addresses of the To header, as a mail client shows them (moto's own
        # "destinations" repeats them, once from the API call, once from the header).
        recipients = tuple(address.addr_spec for address in message["To"].addresses)
        emails.append(SentEmail(raw["id"], recipients, message))
    return emails


def outbox_page(emails: list[SentEmail]) -> str:
    items = []
    for sent in reversed(emails):
        headers = "".join(
            f"<dt>{escape(name)}</dt><dd>{escape(sent.header(name))}</dd>"
            for name in ("From", "To", "Reply-To", "Subject", "Date", "Auto-Submitted",
                         "Content-Language")
            if sent.header(name)
        )
        items.append(
            f'<article><h2 dir="auto">{escape(sent.subject)}</h2><dl>{headers}</dl>'
            f'<iframe sandbox title="{escape(sent.subject)}" srcdoc="{escape(sent.html)}"></iframe>'
            f"<details><summary>Text part</summary><pre>{escape(sent.text)}</pre></details>"
            "</article>"
        )
    body = "".join(items) or "<p>No email sent yet. Send the form, then reload this page.</p>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Dev outbox – Wegweiser</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem}"
        "article{border:1px solid #999;margin:1rem 0;padding:1rem}"
        "dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:700}"
        "iframe{width:100%;height:28rem;border:1px solid #ccc}</style></head><body>"
        f"<h1>Dev outbox: {len(emails)} emails sent through the emulator's SES</h1>"
        f"{body}</body></html>"
    )


def serve_outbox(endpoint_url: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server (not yet started) that shows the outbox on 127.0.0.1:port."""

    class OutboxHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = outbox_page(sent_emails(endpoint_url)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: the terminal shows the app's log

    return ThreadingHTTPServer(("127.0.0.1", port), OutboxHandler)
