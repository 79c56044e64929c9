"""App config for core: wires page-cache invalidation to Wagtail's signals."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "commonground.core"
    label = "core"
    verbose_name = "Common Ground core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import cache_invalidation

        cache_invalidation.connect()
