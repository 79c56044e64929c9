"""Privacy operations' background work: the retention run (daily, and on "Run now")."""

from django.contrib.auth import get_user_model
from django_tasks import task

from . import retention


@task()
def enforce_retention(requested_by_id: int | None = None) -> int:
    """Run every enabled retention policy; returns the run's id (its report)."""
    requested_by = None
    if requested_by_id is not None:
        requested_by = get_user_model().objects.filter(pk=requested_by_id).first()
    return retention.run_retention(requested_by=requested_by).pk
