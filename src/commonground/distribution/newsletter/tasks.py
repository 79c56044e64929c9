"""The newsletter's background work: each loads by id and calls one service."""

from django_tasks import task

from . import proof_sends, subscriptions


@task()
def send_confirmation_email(subscription_id: int) -> None:
    """The double opt-in message with the confirmation link."""
    subscriptions.send_confirmation(subscription_id)


@task()
def send_test_edition(page_id: int, addresses: list[str]) -> None:
    """A test send of the page's draft edition (see proof_sends.py)."""
    proof_sends.send_test_edition(page_id, addresses)
