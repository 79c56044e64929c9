"""Background tasks owned by analytics (the event store itself is written only by the mover)."""

from django_tasks import task

from .ingest.visitors import delete_expired_salts


@task()
def delete_expired_visitor_salts() -> int:
    """Remove every daily salt whose day began 48 hours ago or more."""
    return delete_expired_salts()


@task()
def send_weekly_reports() -> int:
    """Send the weekly e-mail reports that are due (Monday 07:00, site time) and not yet sent."""
    # Imported on first use: the queries (sqlglot) are not needed to start a worker.
    from .reports.weekly_report import send_due_reports

    return send_due_reports()
