"""Every link an email carries, each signed for its own purpose: the contact's claim
link (core/claims.py), the resident's status link (core/status.py) and the follow-up's
yes and no links (core/follow_up.py). One object, so
that the delivery hands all of them to the emails and a new kind of link is one field."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.core.claims import ClaimLinks
from chalicelib.core.follow_up import AnswerLinks
from chalicelib.core.status import StatusLinks


@dataclass(frozen=True)
class Links:
    claim: ClaimLinks
    status: StatusLinks
    answer: AnswerLinks
