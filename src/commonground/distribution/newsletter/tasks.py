"""The newsletter's background work: each loads by id and calls one service."""

from django_tasks import task

from . import subscriptions


@task()
def send_confirmation_email(subscription_id: int) -> None:
    """The double opt-in message with the confirmation link."""
    subscriptions.send_confirmation(subscription_id)
