"""App config for analytics."""

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "commonground.analytics"
    label = "analytics"
    verbose_name = "Analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from commonground.core.pages.page_cache import invalidate_on_commit

        from .ingest import sites
        from .models import TrackedSite
        from .templatetags.analytics_tags import TRACKER_CACHE_TAG

        def tracked_sites_changed(**kwargs: object) -> None:
            # Cached pages carry (or lack) the tracker tag for their host.
            invalidate_on_commit([TRACKER_CACHE_TAG])
            sites.changed()

        post_save.connect(tracked_sites_changed, sender=TrackedSite, weak=False)
        post_delete.connect(tracked_sites_changed, sender=TrackedSite, weak=False)
