"""Alignment's background work that spans its areas."""

from django_tasks import task

from . import weekly_report


@task()
def send_weekly_joint_report() -> int:
    """The weekly joint report to both leads, when due and not yet sent. Returns how many."""
    return weekly_report.send_due_report()
