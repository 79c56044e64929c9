"""The scan's background work: each task loads by id and calls one function."""

from django_tasks import task


@task()
def run_site_scan(scan_id: int) -> int:
    """A scan started in the admin. Returns the number of pages scanned."""
    from . import services  # the renderer loads the whole middleware stack: only when scanning

    return services.run_scan(scan_id).pages_scanned


@task()
def scan_site_if_due() -> int:
    """The daily scan, if none ran in the last SCAN_EVERY_HOURS. Returns pages scanned."""
    from . import services

    done = services.scan_if_due()
    return done.pages_scanned if done else 0
