"""Time spent, honestly: active seconds reported by a module page's script, checked against caps.

The script (static/js/time.js) counts a second only while the page is visible and the learner
touched the keyboard, mouse or screen in the last minute, and reports what it counted when the
page is hidden or left, and every five minutes. The server believes a report only up to:

- the wall time since the learner's previous report (on any module) plus a little slack: one
  person cannot read two pages at once, and two tabs cannot double the count;
- REPORT_MAX seconds per report (the script never holds more);
- WINDOW plus the slack in all over the last WINDOW: the slack is for one report's travel, and
  must not add up over many small reports;
- per module and per UTC day, DAILY_FACTOR times the module's declared duration (at least
  DAILY_FLOOR): a page left open and jiggled all day still counts a few readings at most.

Each accepted report is its own ``experienced`` event (the record is append-only: a duration
added to the module's ``completed`` statement after it was sent to a store would never reach it);
``completed`` carries the sum of those reports at the time the module was marked read.
"""

from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.catalog.models import Module
from app.extensions import db
from app.record import services
from app.record.models import LearningEvent

REPORT_MAX = 5 * 60 + 30  # the script reports every 5 minutes of active time at the latest
SLACK = 15  # seconds: a report's own travel time and the script's one-second ticks
WINDOW = 10 * 60  # seconds: no more can be credited over any such span than the span itself
DAILY_FACTOR = 4
DAILY_FLOOR = 20 * 60


def daily_cap(module: Module) -> int:
    """Most seconds one learner may be credited on one module in one day."""
    return max(DAILY_FACTOR * (module.duration or 0) * 60, DAILY_FLOOR)


def accept(user, module: Module, seconds: int, now: datetime) -> int:
    """Record as much of a report as the caps allow; the seconds credited (0: nothing written)."""
    previous = db.session.scalar(
        select(func.max(LearningEvent.occurred_at)).where(
            LearningEvent.user_id == user.id, LearningEvent.verb == "experienced"
        )
    )
    allowed = min(int(seconds), REPORT_MAX)
    if previous is not None:
        allowed = min(allowed, int((now - previous).total_seconds()) + SLACK)
        recent = db.session.scalar(
            select(func.coalesce(func.sum(LearningEvent.duration_seconds), 0)).where(
                LearningEvent.user_id == user.id,
                LearningEvent.verb == "experienced",
                LearningEvent.occurred_at > now - timedelta(seconds=WINDOW),
            )
        )
        allowed = min(allowed, WINDOW + SLACK - int(recent))
    today = services.time_on(user, [module.id], since=services.start_of_day(now))
    allowed = min(allowed, daily_cap(module) - today)
    if allowed < 1:
        return 0
    services.time_spent(user, module, allowed, now)
    return allowed
