"""Governance's background work: each task loads by id and calls one function."""

from django_tasks import task

from . import notifications


@task()
def send_request_email(kind: str, request_id: int) -> int:
    """The e-mail about a request: "submitted" to IT administrators, "decided" to the
    requester. Returns how many messages went out."""
    if kind == "submitted":
        return notifications.send_submitted(request_id)
    return notifications.send_decided(request_id)


@task()
def run_site_scan(scan_id: int) -> int:
    """A scan started in the admin. Returns the number of pages scanned."""
    from . import scan  # the renderer loads the whole middleware stack: only when scanning

    return scan.run_scan(scan_id).pages_scanned


@task()
def scan_site_if_due() -> int:
    """The daily scan, if none ran in the last SCAN_EVERY_HOURS. Returns pages scanned."""
    from . import scan

    done = scan.scan_if_due()
    return done.pages_scanned if done else 0
