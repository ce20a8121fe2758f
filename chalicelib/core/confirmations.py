"""Whether a resident's address gets a confirmation: at most a few a day, and none to an
address that bounced for good or complained.

The form lets anyone type any address, so without this it would mail a stranger as
often as someone presses "Send"; and complaints put the whole SES account at risk,
which would stop the staff emails too. Counted per salted digest of the address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.core.hashing import keyed_digest
from chalicelib.core.limits import CONFIRMATIONS_PER_DAY
from chalicelib.core.ports import Counter
from chalicelib.core.records import Confirmation
from chalicelib.core.ses_feedback import FeedbackKind, feedback_key

DAY_SECONDS = 86400


@dataclass(frozen=True)
class ConfirmationPolicy:
    counter: Counter
    secret: bytes
    per_day: int = CONFIRMATIONS_PER_DAY

    def decide(self, address: str, now: datetime) -> Confirmation:
        """SEND, or why not; counts this confirmation. CounterUnavailable propagates:
        the delivery is then tried again later rather than guessed."""
        if (refused := self.refused(address, now)) is not None:
            return refused
        day = int(now.timestamp()) // DAY_SECONDS
        recipient = keyed_digest(self.secret, "confirmations", address.lower())
        sent = self.counter.add(f"confirmations#{recipient}#{day}", "sent",
                                (day + 1) * DAY_SECONDS)
        return Confirmation.SEND if sent <= self.per_day else Confirmation.TOO_MANY

    def refused(self, address: str, now: datetime) -> Confirmation | None:
        """COMPLAINED or BOUNCED if SES reported that of the address (within the
        counter's time), else None: also asked before the follow-up, since a complaint
        about the confirmation comes after it. CounterUnavailable propagates."""
        feedback = self.counter.read(feedback_key(self.secret, address), now)
        if feedback.get(FeedbackKind.COMPLAINT):
            return Confirmation.COMPLAINED
        if feedback.get(FeedbackKind.BOUNCE):
            return Confirmation.BOUNCED
        return None
