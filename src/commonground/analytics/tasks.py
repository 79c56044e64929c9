"""Background tasks owned by analytics (the event store itself is written only by the mover)."""

from django_tasks import task

from .visitors import delete_expired_salts


@task()
def delete_expired_visitor_salts() -> int:
    """Remove every daily salt whose day began 48 hours ago or more."""
    return delete_expired_salts()
