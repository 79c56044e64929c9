"""The registry's background work: each task loads by id and calls one function."""

from django_tasks import task

from . import notifications


@task()
def send_request_email(kind: str, request_id: int) -> int:
    """The e-mail about a request: "submitted" to IT administrators, "decided" to the
    requester. Returns how many messages went out."""
    if kind == "submitted":
        return notifications.send_submitted(request_id)
    return notifications.send_decided(request_id)
