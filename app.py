"""Wegweiser's routes and event handlers: each parses its input and calls chalicelib.

Nothing here reads the environment or creates an AWS client at import time; see
chalicelib/wiring.py for where and when that happens.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from chalice.app import Chalice, Cron, Rate, Request, Response, SNSEvent, SQSEvent

from chalicelib import wiring
from chalicelib.core.languages import negotiate_language
from chalicelib.core.telemetry import install_json_logs
from chalicelib.core.templating import form_languages
from chalicelib.settings import DELIVERY_QUEUE, SES_EVENTS_TOPIC
from chalicelib.web.pages import Answer, form_page, privacy_page, stylesheet, unknown_language_page

# Wegweiser's own records as JSON lines with their metrics (chalicelib/core/telemetry.py);
# not also Chalice's text handler on the same logger, which would write each line twice.
app = Chalice(app_name="wegweiser", configure_logs=False)
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
    return _without_body_for_head(
        _response(form_page(language, services.routing(), services.new_form_token())))


def _without_body_for_head(response: Response) -> Response:
    """HEAD answers as GET does, without the body (link checkers, uptime monitors)."""
    if _request().method == "HEAD":
        response.body = ""
    return response


@app.route("/", methods=["GET", "HEAD"])
def form_in_browser_language() -> Response:
    accept_language = _request().headers.get("accept-language")
    return _form(negotiate_language(accept_language, form_languages()))


@app.route("/{language}", methods=["GET", "HEAD"])
def form_in_language(language: str) -> Response:
    if language not in form_languages():
        return _without_body_for_head(_response(
            unknown_language_page(_request().headers.get("accept-language"), "")))
    return _form(language)


@app.route("/{language}", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
def form_in_language_with_what_was_typed(language: str) -> Response:
    """The language switcher without JavaScript: the form again, in `language`, with the
    posted values; nothing stored, counted or sent."""
    from chalicelib.web.language_switch import LanguageSwitch, answer_language_switch

    request = _request()
    services = wiring.services()
    body = request.raw_body
    switch = LanguageSwitch(
        language=language,
        body=body.encode() if isinstance(body, str) else body,
        accept_language=request.headers.get("accept-language"),
        tokens=services.tokens,
        now=services.clock().timestamp(),
        issue_form_token=services.new_form_token,
    )
    return _response(answer_language_switch(switch, services.routing()))


@app.route("/favicon.ico", methods=["GET"])
def favicon() -> Response:
    """Wegweiser's own small icon: a browser asks for it on every page (never a 404)."""
    from chalicelib.web.favicon import favicon_answer

    return _response(favicon_answer())


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
        issue_thanks_token=services.new_thanks_token,
    )
    return _response(answer_submission(services.intake, submission))  # builds boto3 clients


@app.route("/{language}/thanks/{reference}", methods=["GET"])
def thanks(language: str, reference: str) -> Response:
    from chalicelib.web.thanks import ThanksRequest, answer_thanks

    request = _request()
    query: Mapping[str, str] = request.query_params or {}
    services = wiring.services()
    asked = ThanksRequest(language, reference, query.get("topic"), query.get("t"),
                          request.headers.get("accept-language"))
    return _response(answer_thanks(
        asked, services.routing(), services.thanks_tokens,
        lambda wanted, now: services.store.get(wanted, now),  # the store only for a good token
        services.clock(),
    ))


@app.route("/{language}/status/{reference}", methods=["GET"])
def status_page(language: str, reference: str) -> Response:
    """The resident's status page (HTML, or JSON for `Accept: application/json`)."""
    from chalicelib.web.status import StatusRequest, answer_status

    request = _request()
    query: Mapping[str, str] = request.query_params or {}
    asked = StatusRequest(language, reference, query.get("t"), request.headers.get("accept"),
                          request.headers.get("accept-language"))
    return _response(answer_status(asked, wiring.services().status_pages))


@app.route("/{language}/status/{reference}/erase", methods=["GET"])
def erasure_page(language: str, reference: str) -> Response:
    """The confirmation page of erasure: what it does and does not do; changes nothing."""
    from chalicelib.web.erasure import ErasureRequest, show_erasure

    request = _request()
    query: Mapping[str, str] = request.query_params or {}
    asked = ErasureRequest(language, reference, query.get("t"), request.headers.get("accept"),
                           request.headers.get("accept-language"))
    return _response(show_erasure(asked, wiring.services().erasure))


@app.route("/{language}/status/{reference}/erase", methods=["POST"],
           content_types=["application/x-www-form-urlencoded"])
def erase_inquiry(language: str, reference: str) -> Response:
    """Erase the inquiry's personal data (form field `t`, the status link's token)."""
    from chalicelib.web.erasure import ErasureRequest, post_erasure, token_of

    request = _request()
    body = request.raw_body
    asked = ErasureRequest(language, reference,
                           token_of(body.encode() if isinstance(body, str) else body),
                           request.headers.get("accept"), request.headers.get("accept-language"))
    return _response(post_erasure(asked, wiring.services().erasure))


@app.route("/{language}/answered/{reference}", methods=["GET"])
def answer_page(language: str, reference: str) -> Response:
    """The follow-up's page for the link's answer, with one button; changes nothing."""
    from chalicelib.web.answered import show_answer

    request = _request()
    query: Mapping[str, str] = request.query_params or {}
    return _response(show_answer(wiring.services().follow_ups, language, reference,
                                 query.get("t"), query.get("answer"),
                                 request.headers.get("accept-language")))


@app.route("/{language}/answered/{reference}", methods=["POST"],
           content_types=["application/x-www-form-urlencoded"])
def answer_follow_up(language: str, reference: str) -> Response:
    """Record the resident's answer (form fields `t`, `answer`); the first stands."""
    from chalicelib.web.answered import post_answer

    request = _request()
    body = request.raw_body
    return _response(post_answer(wiring.services().follow_ups, language, reference,
                                 body.encode() if isinstance(body, str) else body,
                                 request.headers.get("accept-language")))


@app.route("/{language}/privacy", methods=["GET"])
def privacy(language: str) -> Response:
    if language not in form_languages():
        return _response(unknown_language_page(_request().headers.get("accept-language"), "../"))
    return _response(privacy_page(language, wiring.services().routing()))


@app.route("/{language}/accessibility", methods=["GET"])
def accessibility_statement(language: str) -> Response:
    from chalicelib.web.pages import accessibility_page

    if language not in form_languages():
        return _response(unknown_language_page(_request().headers.get("accept-language"), "../"))
    return _response(accessibility_page(language, wiring.services().routing()))


@app.route("/{language}/leichte-sprache", methods=["GET"])
def easy_read(language: str) -> Response:
    """Leichte Sprache is German: /de/leichte-sprache; another language's path leads there."""
    from chalicelib.web.pages import easy_read_page

    if language == "de":
        return _response(easy_read_page(wiring.services().routing()))
    if language in form_languages():
        return Response(body="", status_code=303, headers={"Location": "../de/leichte-sprache",
                                                             "Cache-Control": "no-store"})
    return _response(unknown_language_page(_request().headers.get("accept-language"), "../"))
@app.route("/claim/{reference}", methods=["GET"])
def claim_page(reference: str) -> Response:
    from chalicelib.web.claim import show_claim

    query = _request().query_params
    token = query.get("t") if query else None
    return _response(show_claim(wiring.services().claims, reference, token))


@app.route("/claim/{reference}", methods=["POST"],
           content_types=["application/x-www-form-urlencoded"])
def claim_inquiry(reference: str) -> Response:
    from chalicelib.web.claim import post_claim

    body = _request().raw_body
    return _response(post_claim(wiring.services().claims, reference,
                                body.encode() if isinstance(body, str) else body))


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


# Deadlines are whole working days at the time of day an inquiry arrived: a reminder
# or an escalation up to 15 minutes late is on time, and 96 runs a day cost nothing.
@app.schedule(Rate(15, unit=Rate.MINUTES))
def remind_and_escalate(event: object) -> None:
    wiring.services().escalation.run()


# The monthly report of the anonymous statistics: every morning (07:00 UTC, 08:00 or
# 09:00 in Flensburg); it goes out on the first working day of a month, once.
@app.schedule(Cron(0, 7, "*", "*", "?", "*"))
def send_monthly_report(event: object) -> None:
    wiring.services().monthly_report.send_if_due()


@app.on_sns_message(topic=SES_EVENTS_TOPIC)
def record_ses_feedback(event: SNSEvent) -> None:
    from chalicelib.core.ses_feedback import record_all

    services = wiring.services()
    record_all([event.message], services.feedback, services.routing(), services.clock())
