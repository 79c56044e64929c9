"""The registry's background work: each task loads by id and calls one function."""

from django_tasks import task

from . import notifications, renewals


@task()
def send_request_email(kind: str, request_id: int) -> int:
    """The e-mail about a request: "submitted" to IT administrators, "decided" to the
    requester, "second_approval" to the IT administrators but the first approver. Returns how
    many messages went out."""
    if kind == "submitted":
        return notifications.send_submitted(request_id)
    if kind == "second_approval":
        return notifications.send_second_approval(request_id)
    return notifications.send_decided(request_id)


@task()
def send_renewal_reminders() -> int:
    """Contract-renewal reminders due today (60 and 14 days ahead), each sent once."""
    return renewals.send_renewal_reminders()
