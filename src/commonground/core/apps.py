"""App config for core: wires page-cache invalidation to Wagtail's signals, registers the
shared URL converters."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "commonground.core"
    label = "core"
    verbose_name = "Common Ground core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import cache_invalidation, url_converters

        cache_invalidation.connect()
        # Before any URL configuration is loaded: the apps' URLs use <id:...>.
        url_converters.register()
