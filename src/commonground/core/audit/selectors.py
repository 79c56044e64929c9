"""Reads about the audit trail's protection, for the posture page: the last anchor and the
key in use."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from .keys import using_dev_default
from .models import AuditAnchor

DEFAULT_ANCHOR_INTERVAL_SECONDS = 3600


@dataclass(frozen=True)
class AnchorStatus:
    last_anchor_at: datetime | None
    interval: timedelta
    sinks: tuple[str, ...]  # configured sink names
    dev_key: bool  # AUDIT_KEY unset: the derived development default is in use


def anchor_status() -> AnchorStatus:
    last = AuditAnchor.objects.order_by("-created_at").values_list("created_at", flat=True)
    seconds = getattr(settings, "AUDIT_ANCHOR_INTERVAL_SECONDS", DEFAULT_ANCHOR_INTERVAL_SECONDS)
    return AnchorStatus(
        last_anchor_at=last.first(),
        interval=timedelta(seconds=float(seconds)),
        sinks=tuple(getattr(settings, "AUDIT_ANCHOR_SINKS", {})),
        dev_key=using_dev_default(),
    )
