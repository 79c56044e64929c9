"""Ingest's per-source rate limit: one :class:`SourceLimiter` per server process, sized by
ANALYTICS_RATE_LIMIT_PER_MINUTE."""

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from commonground.core.http.rate_limits import SourceLimiter

_limiter: SourceLimiter | None = None


def limiter() -> SourceLimiter:
    """This process's limiter, built from ANALYTICS_RATE_LIMIT_PER_MINUTE on first use."""
    global _limiter
    if _limiter is None:
        _limiter = SourceLimiter(settings.ANALYTICS_RATE_LIMIT_PER_MINUTE)
    return _limiter


@receiver(setting_changed)
def _forget_limiter(*, setting: str, **kwargs: Any) -> None:
    # Settings only change in tests; the hot path then need not read them on every event.
    global _limiter
    if setting == "ANALYTICS_RATE_LIMIT_PER_MINUTE":
        _limiter = None
