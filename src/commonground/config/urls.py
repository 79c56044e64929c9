"""URL map: admin, headless API, documents, images, sitemap, robots and the page tree."""

from django.conf import settings
from django.contrib import admin as django_admin  # noqa: F401  (admin templates for Wagtail)
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.images.views.serve import ServeView

from commonground.analytics.ingest.endpoints import event_endpoint, umami_send_endpoint
from commonground.analytics.ingest.staff_marker import staff_marker_view
from commonground.analytics.stats_api import urls as stats_api_urls
from commonground.content.api import api_router
from commonground.content.views import robots_txt
from commonground.core.http.form_tokens import same_origin_posts
from commonground.core.http.front_door import alive_view
from commonground.distribution.newsletter import urls as newsletter_urls
from commonground.governance import urls as governance_urls
from commonground.governance.access import views as access_views

urlpatterns = [
    # Ahead of Wagtail's own, same paths and names: the throttled sign-in (429) and the
    # reset that lifts the throttle (governance/access/views.py).
    path("admin/login/", access_views.sign_in, name="wagtailadmin_login"),
    path(
        "admin/password_reset/confirm/<uidb64>/<token>/",
        access_views.password_reset_confirm,
        name="wagtailadmin_password_reset_confirm",
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    *stats_api_urls.urlpatterns,
    path("api/v2/", api_router.urls),
    path("api/event", event_endpoint, name="analytics_event"),
    path("api/send", umami_send_endpoint, name="analytics_umami_send"),
    path("_cg/staff-marker", staff_marker_view, name="analytics_staff_marker"),
    path("-/alive", alive_view, name="alive"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    *newsletter_urls.urlpatterns,
    *governance_urls.urlpatterns,
    path(
        "images/<str:signature>/<int:image_id>/<str:filter_spec>/",
        ServeView.as_view(),
        name="wagtailimages_serve",
    ),
]

if settings.DEBUG or settings.MEDIA_URL.startswith("/"):
    # Media is served by the app itself unless a CDN or object store takes it over.
    from commonground.core.http.media import serve_media

    urlpatterns += [
        path(
            f"{settings.MEDIA_URL.strip('/')}/<path:path>",
            serve_media,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

# Public pages answer a POST without Django's CSRF cookie (the public site sets no cookie): a
# POST from another site is refused for every page, and a form page checks its own signed
# token (core/http/form_tokens.py). It takes the place of Wagtail's own pattern (same path and
# name), last, so Wagtail's /_util/ views before it still answer; the admin keeps its CSRF check.
urlpatterns += [
    re_path(
        wagtail_urls.serve_pattern, same_origin_posts(wagtail_views.serve), name="wagtail_serve"
    )
    if getattr(pattern, "name", None) == "wagtail_serve"
    else pattern
    for pattern in wagtail_urls.urlpatterns
]

# Django's error pages, after the request body is known to be read or unreadable (a malformed
# multipart body on a CSRF-exempt URL made the 404 page itself fail with a 500).
handler400 = "commonground.core.http.error_pages.bad_request"
handler403 = "commonground.core.http.error_pages.permission_denied"
handler404 = "commonground.core.http.error_pages.page_not_found"
