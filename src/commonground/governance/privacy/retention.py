"""Retention: the policy per registered kind of data, IT's changes to it, and the run that
enforces every enabled policy and reports what it removed. The audit trail is never a kind:
it is append-only by design (core/audit) and outlives every policy."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from ..permissions import CHANGE_RETENTION, may
from ..registry.services import User, _person
from .models import MAX_RETENTION_DAYS, RetentionPolicy, RetentionRun
from .registry import RetentionKind, retention_kind, retention_kinds

logger = logging.getLogger(__name__)

# Audit actions.
POLICY_UPDATE = "governance.retention_policy.update"
RUN = "governance.retention.run"


@dataclass(frozen=True)
class Policy:
    kind: RetentionKind
    days: int
    enabled: bool

    def cutoff(self, now: datetime) -> datetime:
        return now - timedelta(days=self.days)


def policies() -> list[Policy]:
    """Every registered kind with IT's policy, or the kind's default when IT set none."""
    rows = {row.kind: row for row in RetentionPolicy.objects.all()}
    return [
        Policy(kind, rows[kind.name].days, rows[kind.name].enabled)
        if kind.name in rows
        else Policy(kind, kind.default_days, True)
        for kind in retention_kinds()
    ]


def policy(name: str) -> Policy | None:
    return next((p for p in policies() if p.kind.name == name), None)


def change_policy(*, user: User, kind: str, days: int, enabled: bool) -> Policy:
    """IT sets how long ``kind`` is kept, or switches its removal off; audited with the
    values before."""
    if not may(user, CHANGE_RETENTION):
        raise PermissionDenied(CHANGE_RETENTION)
    registered = retention_kind(kind)
    if registered is None:
        raise ValidationError(f"There is no kind of data called “{kind}”.")
    if not 1 <= days <= MAX_RETENTION_DAYS:
        raise ValidationError(f"Keep it between 1 and {MAX_RETENTION_DAYS} days.")
    with transaction.atomic():
        row, _ = RetentionPolicy.objects.select_for_update().get_or_create(
            kind=kind, defaults={"days": registered.default_days, "enabled": True}
        )
        before = {"previous_days": row.days, "previous_enabled": row.enabled}
        row.days, row.enabled = days, enabled
        row.save()
        log(row, POLICY_UPDATE, user=user, data={"days": days, "enabled": enabled, **before})
    return Policy(registered, days, enabled)


@dataclass(frozen=True)
class Due:
    policy: Policy
    rows: int


def preview(now: datetime | None = None) -> list[Due]:
    """The dry run: what each enabled policy would remove now, removing nothing."""
    now = now or timezone.now()
    return [Due(p, p.kind.count(p.cutoff(now))) for p in policies() if p.enabled]


def run_retention(*, requested_by: User | None = None, now: datetime | None = None) -> RetentionRun:
    """Remove what every enabled policy says has expired, kind after kind (one failing kind
    does not stop the others), and keep the report, audited with its counts."""
    now = now or timezone.now()
    run = RetentionRun.objects.create(
        started_at=now, requested_by=_person(requested_by) if requested_by else None
    )
    for current in policies():
        if not current.enabled:
            continue
        name = current.kind.name
        try:
            purged = current.kind.purge(current.cutoff(now))
        except Exception as error:  # reported on the page; the next kind still runs
            logger.exception("retention: %s failed", name)
            run.errors[name] = f"{type(error).__name__}: {error}"[:500]
            continue
        run.removed[name] = purged.removed
        if not purged.complete:
            run.unfinished.append(name)
    with transaction.atomic():
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at", "removed", "errors", "unfinished"])
        data = {"removed": run.removed, "errors": sorted(run.errors), "unfinished": run.unfinished}
        log(run, RUN, user=requested_by, data=data)
    return run


def request_run(*, user: User) -> None:
    """ "Run now": the worker runs it (on commit), like the daily run."""
    if not may(user, CHANGE_RETENTION):
        raise PermissionDenied(CHANGE_RETENTION)
    from .tasks import enforce_retention

    requested_by = getattr(_person(user), "pk", None)
    transaction.on_commit(lambda: enforce_retention.enqueue(requested_by_id=requested_by))


def latest_runs(limit: int = 20) -> list[RetentionRun]:
    return list(RetentionRun.objects.select_related("requested_by")[:limit])
