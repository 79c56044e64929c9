"""App config for core: wires the audit trail and page-cache invalidation to Wagtail's
signals, registers the shared URL converters."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "commonground.core"
    label = "core"
    verbose_name = "Common Ground core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .audit import receivers
        from .http import url_converters
        from .pages import cache_invalidation
        from .spreadsheet_cells import guard_wagtail_exports

        # Every Wagtail log entry, from whichever code path, becomes an audit entry.
        receivers.connect()
        cache_invalidation.connect()
        guard_wagtail_exports()
        # Before any URL configuration is loaded: the apps' URLs use <id:...>.
        url_converters.register()
