"""The subscriber import's background work: load the import by id and run the service."""

from django_tasks import task

from . import services


@task()
def import_subscribers(import_id: int) -> dict[str, int] | None:
    """Import what is left of one subscriber import (nothing when it is done or gone)."""
    done = services.run_import(import_id=import_id)
    if done is None:
        return None
    return {
        "processed": done.processed_rows,
        "created": done.created_count,
        "updated": done.updated_count,
        "skipped": done.skipped_count,
        "failed": done.failed_count,
    }
