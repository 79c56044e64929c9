"""Django's ``createsuperuser``, audited: the account it creates is a ``wagtail.create`` entry
on the trail (all its fields, the password masked), in the creating transaction."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import createsuperuser
from django.db import transaction
from django.db.models.signals import post_save
from wagtail.log_actions import log


class Command(createsuperuser.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        new_users: list[Any] = []

        def collect(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
            if created:
                new_users.append(instance)

        User = get_user_model()
        database = options.get("database")
        post_save.connect(collect, sender=User, dispatch_uid="audit_createsuperuser")
        try:
            with transaction.atomic(using=database):
                super().handle(*args, **options)
                for user in new_users:
                    log(user, "wagtail.create", user=None, data={"via": "createsuperuser"})
        finally:
            post_save.disconnect(sender=User, dispatch_uid="audit_createsuperuser")
