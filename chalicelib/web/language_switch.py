"""POST /{language}: the language switcher of the form, without JavaScript.

On the form, each language of the switcher is a button of the form itself that posts
the form's fields here; the answer is the same form in that language with every
word kept. It only shows a page: it stores nothing, counts nothing against the rate
limit and sends nothing. The form token goes on unchanged while it can still be
used, so the inquiry sent afterwards has the reference it would have had.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.core.form_token import FormTokens
from chalicelib.core.inquiry import TokenProblem
from chalicelib.core.routing import RoutingConfig
from chalicelib.core.templating import form_languages
from chalicelib.web.pages import Answer, form_page, notice_page, unknown_language_page
from chalicelib.web.submission import MAX_BODY_BYTES, BadBody, parse_fields


@dataclass(frozen=True)
class LanguageSwitch:
    """One POST /{language} as the route receives it."""

    language: str
    body: bytes
    accept_language: str | None
    tokens: FormTokens
    now: float  # Unix seconds
    issue_form_token: Callable[[], str]

    def token_usable(self, token: str) -> bool:
        """The form's token may still be sent: now, or in a moment (MIN_FILL_SECONDS)."""
        return self.tokens.problem(token, self.now) in (None, TokenProblem.TOO_FAST)


def answer_language_switch(switch: LanguageSwitch, routing: RoutingConfig) -> Answer:
    language = switch.language
    if language not in form_languages():
        return unknown_language_page(switch.accept_language, root="")
    if len(switch.body) > MAX_BODY_BYTES:
        return notice_page(language, root="", status=413)
    try:
        fields = parse_fields(True, switch.body)
    except BadBody:
        fields = {}  # nothing readable to keep: the empty form in that language
    token = fields.get("form_token")
    if not (isinstance(token, str) and switch.token_usable(token)):
        token = switch.issue_form_token()
    return form_page(language, routing, token, values=fields)
