"""The scorecard's background work."""

from django_tasks import task

from . import services


@task()
def snapshot_goals() -> int:
    """Today's value and status of every running goal. Returns how many goals."""
    return services.snapshot_goals()
