"""Registers the analytics app's admin pieces with Wagtail: the "Tracked sites" viewset."""

from wagtail import hooks

from .views_admin import TrackedSiteViewSet


@hooks.register("register_admin_viewset")
def register_tracked_site_viewset() -> TrackedSiteViewSet:
    return TrackedSiteViewSet()
