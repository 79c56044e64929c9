"""Content's background work: each task loads by id and calls one function."""

from django_tasks import task

from . import notifications as lead_notifications


@task()
def notify_of_form_submission(submission_id: int) -> int:
    """Tell a landing page's chosen addresses of a form submission (its id)."""
    return lead_notifications.notify_of_submission(submission_id)
