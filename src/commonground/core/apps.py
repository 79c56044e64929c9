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
        from .pages import cache_invalidation, read_only_policy
        from .spreadsheet_cells import guard_wagtail_exports

        # Every Wagtail log entry, from whichever code path, becomes an audit entry.
        receivers.connect()
        cache_invalidation.connect()
        guard_wagtail_exports()
        # The Viewer's "view" page permission opens the explorer (core 0005).
        read_only_policy.register()
        # Before any URL configuration is loaded: the apps' URLs use <id:...>.
        url_converters.register()
