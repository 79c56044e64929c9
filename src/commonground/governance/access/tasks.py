"""Access security's background work: each task loads by id and calls one function."""

from django_tasks import task

from . import role_changes


@task()
def notify_it_administrators_of_grant(entry_id: int) -> int:
    """E-mail every IT administrator that someone was made one (the audit entry's id)."""
    return role_changes.notify_it_administrators(entry_id)
