"""Wegweiser's routes and event handlers: each parses its input and calls chalicelib.

Nothing here reads the environment or creates an AWS client at import time; see
chalicelib/wiring.py for where and when that happens.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from chalice.app import Chalice, Rate, Request, Response, SNSEvent, SQSEvent

from chalicelib import wiring
from chalicelib.languages import negotiate_language
from chalicelib.pages import Answer, form_page, not_found_page, privacy_page, stylesheet
from chalicelib.routing import flensburg_time
from chalicelib.settings import DELIVERY_QUEUE, SES_EVENTS_TOPIC
from chalicelib.templating import form_languages
from chalicelib.worker import deliver_batch

app = Chalice(app_name="wegweiser")
logging.getLogger("wegweiser").setLevel(logging.INFO)
logging.getLogger("botocore").setLevel(logging.WARNING)  # not "Found credentials…" per client


def _request() -> Request:
    request = app.current_request
    assert request is not None, "only called while a request is served"
    return request


def _client_address(request: Request) -> str:
    identity: dict[str, object] = request.context.get("identity") or {}
    return str(identity.get("sourceIp", ""))


def _response(answer: Answer) -> Response:
    return Response(body=answer.body, status_code=answer.status, headers=dict(answer.headers))


def _form(language: str) -> Response:
    token = wiring.form_tokens().issue(time.time())
    return _response(form_page(language, wiring.routing(), token))


@app.route("/", methods=["GET"])
def form_in_browser_language() -> Response:
    accept_language = _request().headers.get("accept-language")
    return _form(negotiate_language(accept_language, form_languages()))


@app.route("/{language}", methods=["GET"])
def form_in_language(language: str) -> Response:
    if language not in form_languages():
        accept_language = _request().headers.get("accept-language")
        fallback = negotiate_language(accept_language, form_languages())
        return _response(not_found_page(fallback, root=""))
    return _form(language)


@app.route("/form-token", methods=["GET"])
def form_token() -> Response:
    token = wiring.form_tokens().issue(time.time())
    return Response(
        body=json.dumps({"form_token": token}),
        headers={"Content-Type": "application/json", "Cache-Control": "no-store"},
    )


@app.route("/openapi.json", methods=["GET"])
def openapi() -> Response:
    from chalicelib.openapi import openapi_document

    return Response(
        body=json.dumps(openapi_document(wiring.routing()), ensure_ascii=False),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )


@app.route(
    "/inquiries",
    methods=["POST"],
    content_types=["application/x-www-form-urlencoded", "application/json"],
)
def submit_inquiry() -> Response:
    from chalicelib.submission import Submission, answer_submission  # imports boto3

    request = _request()
    body = request.raw_body
    services = wiring.services()
    submission = Submission(
        content_type=request.headers.get("content-type", "application/json"),
        body=body.encode() if isinstance(body, str) else body,
        accept_language=request.headers.get("accept-language"),
        client_address=_client_address(request),
        issue_form_token=lambda: wiring.form_tokens().issue(time.time()),
    )
    return _response(answer_submission(services.intake, services.rate_limiter, submission))


@app.route("/{language}/thanks/{reference}", methods=["GET"])
def thanks(language: str, reference: str) -> Response:
    from chalicelib.thanks import answer_thanks

    params = _request().query_params
    topic = params.get("topic") if params else None
    return _response(
        answer_thanks(wiring.routing(), language, reference, topic,
                      flensburg_time(wiring.utc_now()).date())
    )


@app.route("/{language}/privacy", methods=["GET"])
def privacy(language: str) -> Response:
    if language not in form_languages():
        return _response(not_found_page("de", root="../"))
    return _response(privacy_page(language, wiring.routing()))


@app.route("/assets/wegweiser.css", methods=["GET"])
def style() -> Response:
    return Response(
        body=stylesheet(),
        headers={"Content-Type": "text/css; charset=utf-8", "Cache-Control": "max-age=3600"},
    )


@app.on_sqs_message(queue=DELIVERY_QUEUE, batch_size=10)
def deliver_inquiries(event: SQSEvent) -> dict[str, Any]:
    return deliver_batch(event, wiring.services().delivery)


@app.schedule(Rate(5, unit=Rate.MINUTES))
def sweep_stalled(event: object) -> None:
    wiring.services().sweep.requeue_stalled()


@app.on_sns_message(topic=SES_EVENTS_TOPIC)
def record_ses_feedback(event: SNSEvent) -> None:
    from chalicelib.ses_events import record_all

    record_all([event.message], wiring.services().feedback, wiring.routing(), wiring.utc_now())
