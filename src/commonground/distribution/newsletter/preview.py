"""The newsletter's preview and test send in the admin: the edition of a page's latest draft
as HTML and as text, at desktop and phone widths, and a test send to a few addresses."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST
from wagtail.models import Page

from . import proof_sends
from .plain_text import text_from_html

# The edition shown in the preview's frame: its own styles and remote images, nothing else.
EDITION_FRAME_POLICY = (
    "default-src 'none'; img-src http: https: data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


def _editable_page(request: HttpRequest, page_id: int) -> Page:
    page = get_object_or_404(Page, pk=page_id).specific
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return page


@require_GET
def preview_view(request: HttpRequest, page_id: int) -> HttpResponse:
    return _preview(request, _editable_page(request, page_id))


def _preview(
    request: HttpRequest, page: Page, *, error: str = "", addresses: str = "", status: int = 200
) -> HttpResponse:
    edition = proof_sends.draft_edition(page)
    title = f"Newsletter preview: {page.title}"
    return TemplateResponse(
        request,
        "distribution/newsletter/preview.html",
        {
            "page": page,
            "edition": edition,
            "text": text_from_html(edition.html),
            "frame_url": reverse("newsletter_preview_html", args=[page.pk]),
            "max_addresses": proof_sends.MAX_ADDRESSES,
            "error": error,
            "addresses": addresses,
            "header_title": title,
            "header_icon": "mail",
            "breadcrumbs_items": [
                {"url": reverse("wagtailadmin_home"), "label": "Home"},
                {"url": reverse("wagtailadmin_pages:edit", args=[page.pk]), "label": page.title},
                {"url": "", "label": "Newsletter preview"},
            ],
        },
        status=status,
    )


@require_GET
@xframe_options_sameorigin
def preview_html_view(request: HttpRequest, page_id: int) -> HttpResponse:
    page = _editable_page(request, page_id)
    markup = proof_sends.draft_edition(page).html
    # Images as this admin is reached (the same host as BASE_URL's once deployed; another
    # address for someone on an internal name or a port of their own).
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    here = request.build_absolute_uri("/").rstrip("/")
    if here != base:
        markup = markup.replace(f'src="{base}/', f'src="{here}/')
    response = HttpResponse(markup)
    response["Content-Security-Policy"] = EDITION_FRAME_POLICY
    return response


@require_POST
def test_send_view(request: HttpRequest, page_id: int) -> HttpResponse:
    page = _editable_page(request, page_id)
    raw = request.POST.get("addresses", "")
    try:
        sent_to = proof_sends.request_test_send(page=page, user=request.user, raw_addresses=raw)
    except proof_sends.TestSendRefused as refusal:
        return _preview(request, page, error=str(refusal), addresses=raw[:2000], status=400)
    messages.success(request, f"Test sent to {', '.join(sent_to)}.")
    return redirect("newsletter_preview", page_id=page.pk)


urlpatterns: list[URLPattern] = [
    path("newsletter/preview/<id:page_id>/", preview_view, name="newsletter_preview"),
    path(
        "newsletter/preview/<id:page_id>/edition/",
        preview_html_view,
        name="newsletter_preview_html",
    ),
    path("newsletter/preview/<id:page_id>/test/", test_send_view, name="newsletter_test_send"),
]
