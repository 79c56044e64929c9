"""Wagtail hook registrations for core (registration only)."""

from typing import Any

from django.http import HttpRequest
from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks
from wagtail.models import Page

from .audit import wagtail_hooks as _audit_hooks  # noqa: F401  (the audit trail report)
from .pages import page_cache
from .pages.cache_invalidation import NAV_TAG


@hooks.register("before_serve_page")
def mark_page_cacheable(page: Page, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
    if page.get_view_restrictions().exists():
        return  # restricted pages are never shared between visitors
    page_cache.depends_on(page_cache.page_tag(page.pk), NAV_TAG)
    page_cache.mark_cacheable(request)


@hooks.register("insert_global_admin_css")
def glossary_css() -> str:
    return format_html('<link rel="stylesheet" href="{}">', static("core/glossary.css"))


@hooks.register("insert_global_admin_js")
def glossary_js() -> str:
    return format_html('<script defer src="{}"></script>', static("core/glossary.js"))
