"""Wegweiser's routes and event handlers: each parses its input and calls chalicelib.

Nothing here reads the environment or creates an AWS client at import time; see
chalicelib/wiring.py for where and when that happens.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from chalice.app import Chalice, Rate, Request, Response, SNSEvent, SQSEvent

from chalicelib import wiring
from chalicelib.core.languages import negotiate_language
from chalicelib.core.local_time import flensburg_time
from chalicelib.core.telemetry import install_json_logs
from chalicelib.core.templating import form_languages
from chalicelib.settings import DELIVERY_QUEUE, SES_EVENTS_TOPIC
from chalicelib.web.pages import Answer, form_page, privacy_page, stylesheet, unknown_language_page

app = Chalice(app_name="wegweiser")
# Wegweiser's own records as JSON lines with their metrics (chalicelib/core/telemetry.py).
install_json_logs()
logging.getLogger("botocore").setLevel(logging.WARNING)  # not "Found credentials…" per client


def _request() -> Request:
    request = app.current_request
    if request is None:
        raise RuntimeError("only called while a request is served")
    return request


def _client_address(request: Request) -> str:
    identity: dict[str, object] = request.context.get("identity") or {}
    return str(identity.get("sourceIp", ""))


def _response(answer: Answer) -> Response:
    return Response(body=answer.body, status_code=answer.status, headers=dict(answer.headers))


def _form(language: str) -> Response:
    services = wiring.services()
    return _response(form_page(language, services.routing(), services.new_form_token()))


@app.route("/", methods=["GET"])
def form_in_browser_language() -> Response:
    accept_language = _request().headers.get("accept-language")
    return _form(negotiate_language(accept_language, form_languages()))


@app.route("/{language}", methods=["GET"])
def form_in_language(language: str) -> Response:
    if language not in form_languages():
        return _response(unknown_language_page(_request().headers.get("accept-language"), ""))
    return _form(language)


@app.route("/form-token", methods=["GET"])
def form_token() -> Response:
    return Response(
        body=json.dumps({"form_token": wiring.services().new_form_token()}),
        headers={"Content-Type": "application/json", "Cache-Control": "no-store"},
    )


@app.route("/openapi.json", methods=["GET"])
def openapi() -> Response:
    from chalicelib.web.openapi import openapi_document

    return Response(
        body=json.dumps(openapi_document(wiring.services().routing()), ensure_ascii=False),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )


@app.route(
    "/inquiries",
    methods=["POST"],
    content_types=["application/x-www-form-urlencoded", "application/json"],
)
def submit_inquiry() -> Response:
    from chalicelib.web.submission import Submission, answer_submission

    request = _request()
    body = request.raw_body
    services = wiring.services()
    submission = Submission(
        content_type=request.headers.get("content-type", "application/json"),
        body=body.encode() if isinstance(body, str) else body,
        accept_language=request.headers.get("accept-language"),
        client_address=_client_address(request),
        issue_form_token=services.new_form_token,
    )
    return _response(answer_submission(services.intake, submission))  # builds boto3 clients


@app.route("/{language}/thanks/{reference}", methods=["GET"])
def thanks(language: str, reference: str) -> Response:
    from chalicelib.web.thanks import answer_thanks

    request = _request()
    topic = request.query_params.get("topic") if request.query_params else None
    services = wiring.services()
    return _response(
        answer_thanks(services.routing(), language, reference, topic,
                      flensburg_time(services.clock()).date(),
                      request.headers.get("accept-language"))
    )


@app.route("/{language}/privacy", methods=["GET"])
def privacy(language: str) -> Response:
    if language not in form_languages():
        return _response(unknown_language_page(_request().headers.get("accept-language"), "../"))
    return _response(privacy_page(language, wiring.services().routing()))


@app.route("/assets/wegweiser.css", methods=["GET"])
def style() -> Response:
    return Response(
        body=stylesheet(),
        headers={"Content-Type": "text/css; charset=utf-8", "Cache-Control": "max-age=3600"},
    )


@app.on_sqs_message(queue=DELIVERY_QUEUE, batch_size=10)
def deliver_inquiries(event: SQSEvent) -> dict[str, Any]:
    from chalicelib.core.delivery import deliver_batch

    messages = ((record.to_dict()["messageId"], record.body) for record in event)
    failed = deliver_batch(messages, wiring.services().delivery)
    # Lambda's ReportBatchItemFailures: only these return to the queue.
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}


@app.schedule(Rate(5, unit=Rate.MINUTES))
def sweep_stalled(event: object) -> None:
    wiring.services().sweep.requeue_stalled()


@app.on_sns_message(topic=SES_EVENTS_TOPIC)
def record_ses_feedback(event: SNSEvent) -> None:
    from chalicelib.core.ses_feedback import record_all

    services = wiring.services()
    record_all([event.message], services.feedback, services.routing(), services.clock())
