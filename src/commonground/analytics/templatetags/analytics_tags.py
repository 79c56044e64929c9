"""The tracker <script> tag for pages the CMS serves."""

from django import template
from django.http import HttpRequest
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from commonground.core.http.origins import ADMIN_ORIGIN_ATTRIBUTE
from commonground.core.pages.page_cache import depends_on

from ..ingest.sites import site_for_host

register = template.Library()

TRACKER_CACHE_TAG = "analytics:tracker"
_LOOPBACK = {"127.0.0.1", "localhost", "[::1]"}


@register.simple_tag(takes_context=True)
def analytics_tracker(context: template.Context) -> str:
    """Nothing unless this host is a tracked site; then the first-party tracker script."""
    request: HttpRequest | None = context.get("request")
    depends_on(TRACKER_CACHE_TAG)  # re-render cached pages when tracked sites change
    if request is None or _rendered_for_the_admin(request):
        return ""
    site = site_for_host(request.get_host())
    if site is None:
        return ""
    return format_html(
        '<script defer data-domain="{}"{}{}{} src="{}"></script>',
        site.domain,
        mark_safe(' data-respect-dnt="true"') if site.respect_do_not_track else "",
        # Silent in a browser the admin marked as staff's (ingest/staff_marker.py).
        mark_safe(' data-exclude-staff="true"') if site.exclude_staff else "",
        # The tracker stays silent on loopback unless told otherwise: the demo runs there.
        mark_safe(' data-allow-localhost="true"') if site.domain in _LOOPBACK else "",
        static("analytics/tracker.min.js"),
    )


def _rendered_for_the_admin(request: HttpRequest) -> bool:
    """A preview (the editor's panel, "Preview" in a new tab, a revision, a draft) or a page
    on the admin's own origin: not a visit, so no tracker (ingest refuses such events too,
    for pages rendered before this rule)."""
    return bool(getattr(request, "is_preview", False)) or bool(
        getattr(request, ADMIN_ORIGIN_ATTRIBUTE, False)
    )
