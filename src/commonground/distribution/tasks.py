"""Distribution's background work: each loads by id and calls one service."""

from django_tasks import task

from . import services


@task()
def deliver_dispatch(dispatch_id: int) -> dict[str, int] | None:
    """Deliver what is due of one dispatch (nothing when another worker holds it)."""
    run = services.deliver(dispatch_id)
    if run is None:
        return None
    return {"sent": run.sent, "failed": run.failed, "retrying": run.retrying}


@task()
def deliver_due_dispatches() -> int:
    """Bring back dispatches with work due: scheduled sends, retries, a killed worker's."""
    return len(services.deliver_due())
