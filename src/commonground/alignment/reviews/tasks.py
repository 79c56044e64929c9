"""Review meetings' background work: each task loads by id (or finds what is due) and calls
one function."""

from django_tasks import task

from . import notifications, services


@task()
def send_series_invitation(series_id: int) -> int:
    """The series' .ics invitation to its attendees. Returns how many messages went out."""
    return notifications.send_invitation(series_id)


@task()
def send_action_reminders() -> int:
    """Remind each action's owner once before it is due. Returns how many were sent."""
    return notifications.send_due_reminders()


@task()
def plan_meetings() -> int:
    """Keep every series' meetings planned ahead. Returns how many meetings were added."""
    return services.plan_all_meetings()
