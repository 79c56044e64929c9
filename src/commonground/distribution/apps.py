"""App config for distribution."""

from typing import Any

from django.apps import AppConfig


class DistributionConfig(AppConfig):
    name = "commonground.distribution"
    label = "distribution"
    verbose_name = "Distribution"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from wagtail.signals import page_published

        def published(sender: Any, instance: Any, **kwargs: Any) -> None:
            from .services import record_publication

            record_publication(instance)

        page_published.connect(published, weak=False, dispatch_uid="distribution.published")

        from . import privacy

        privacy.register()
