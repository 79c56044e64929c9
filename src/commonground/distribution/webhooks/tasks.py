"""Webhook background work: each task loads by id and calls one service."""

from django_tasks import task

from . import services


@task()
def notify_owner_of_disabled_webhook(subscription_id: int) -> bool:
    """E-mail the owner of a subscription that repeated failures disabled."""
    return services.notify_owner_of_disabled_subscription(subscription_id)
