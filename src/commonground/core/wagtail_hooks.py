"""Wagtail hook registrations for core (registration only)."""

from typing import Any

from django.http import HttpRequest
from wagtail import hooks
from wagtail.models import Page

from . import page_cache
from .audit import wagtail_hooks as _audit_hooks  # noqa: F401  (the audit trail report)
from .cache_invalidation import NAV_TAG


@hooks.register("before_serve_page")
def mark_page_cacheable(page: Page, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
    if page.get_view_restrictions().exists():
        return  # restricted pages are never shared between visitors
    page_cache.depends_on(page_cache.page_tag(page.pk), NAV_TAG)
    page_cache.mark_cacheable(request)
