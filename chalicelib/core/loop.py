"""How long an inquiry's loop stays open, and so how long its personal data must stay.

The loop: an answer is due within the topic's `response_days` working days; the
follow-up asks the resident FOLLOW_UP_AFTER working days later whether an answer came;
CLOSE_AFTER_DAYS after the last step the loop closes and the resident's name, address
and message are forgotten (core/escalation.py). A topic's retention must not end
before that: `wegweiser check` refuses one that would (routing_file.py).
"""

from __future__ import annotations

from chalicelib.core.working_days import longest_span

FOLLOW_UP_AFTER = 2  # working days after the topic's response_days
CLOSE_AFTER_DAYS = 14  # calendar days after the last step


def loop_days(response_days: int) -> int:
    """The most calendar days a topic's loop can take: to the follow-up in working days
    (weekends and holidays included at their worst), then the days for the answer."""
    return longest_span(response_days + FOLLOW_UP_AFTER) + CLOSE_AFTER_DAYS
