"""Session timeouts for signed-in users: idle (SESSION_IDLE_TIMEOUT_SECONDS since the last
request) and absolute (SESSION_COOKIE_AGE since signing in).

Django's own expiry slides with every session write, so it cannot be an absolute limit;
the sign-in time is kept in the session instead. The last-seen time is written at most once
a minute, so a busy admin costs one session write a minute, not one per request.
"""

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

LAST_SEEN = "access_last_seen"
SIGNED_IN = "access_signed_in"
# How stale the stored last-seen time may be: the idle timeout is this much early at worst.
TOUCH_INTERVAL_SECONDS = 60


def expired(session: SessionBase, now: float) -> str | None:
    """Why this signed-in session has ended (a message for the sign-in page), or None."""
    idle = settings.SESSION_IDLE_TIMEOUT_SECONDS
    last_seen = session.get(LAST_SEEN)
    if idle and isinstance(last_seen, int | float) and now - last_seen > idle:
        return (
            f"You were signed out after {_duration(idle)} without activity. "
            "Sign in again to continue."
        )
    signed_in = session.get(SIGNED_IN)
    limit = settings.SESSION_COOKIE_AGE
    if isinstance(signed_in, int | float) and now - signed_in > limit:
        return f"You were signed out {_duration(limit)} after signing in. Sign in again."
    return None


def touch(session: SessionBase, now: float) -> None:
    """Note that the user was seen now, if the stored time is over a minute old."""
    session.setdefault(SIGNED_IN, int(now))
    last_seen = session.get(LAST_SEEN)
    if not isinstance(last_seen, int | float) or now - last_seen >= TOUCH_INTERVAL_SECONDS:
        session[LAST_SEEN] = int(now)


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
