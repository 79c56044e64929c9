"""When a failed webhook is tried again: exponential backoff with full jitter, or later when
the receiver's ``Retry-After`` asks for more."""

import random
import time
from email.utils import parsedate_to_datetime

# 2**64 times any base is beyond every cap; a larger exponent would only overflow the float.
_MAX_EXPONENT = 64


def backoff_ceiling(attempt: int, *, base: float, cap: float) -> float:
    """The longest wait after failed attempt ``attempt`` (1-based): ``base * 2**(attempt-1)``,
    at most ``cap``."""
    exponent = min(max(attempt, 1) - 1, _MAX_EXPONENT)
    return min(cap, base * 2.0**exponent)


def backoff_delay(attempt: int, *, base: float, cap: float, rng: random.Random) -> float:
    """A wait drawn uniformly from ``[0, backoff_ceiling]`` ("full jitter"): receivers that
    failed together are not all retried in the same second."""
    return rng.uniform(0.0, backoff_ceiling(attempt, base=base, cap=cap))


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delay-seconds or an HTTP date); None
    when it is absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT even when it fails to say so
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def retry_wait(
    attempt: int,
    *,
    base: float,
    cap: float,
    rng: random.Random,
    retry_after: float | None = None,
) -> float:
    """The wait before the attempt after ``attempt``: the jittered backoff, or the
    receiver's ``Retry-After`` when that is longer (up to ``cap``, so a receiver cannot park
    a delivery for a month)."""
    delay = backoff_delay(attempt, base=base, cap=cap, rng=rng)
    if retry_after is not None:
        delay = max(delay, min(retry_after, cap))
    return delay
