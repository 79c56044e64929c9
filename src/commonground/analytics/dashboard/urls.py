"""The dashboard's URLs, mounted under /admin/ by the register_admin_urls hook (admin login)."""

from django.urls import path

from . import views

urlpatterns = [
    path("analytics/", views.DashboardView.as_view(), name="analytics_dashboard"),
    path("analytics/query/", views.query, name="analytics_dashboard_query"),
    path("analytics/funnel/", views.funnel, name="analytics_dashboard_funnel"),
    path("analytics/journey/", views.journey, name="analytics_dashboard_journey"),
    path("analytics/annotations/", views.annotations, name="analytics_dashboard_annotations"),
    path(
        "analytics/annotations/<id:pk>/delete/",
        views.delete_annotation,
        name="analytics_dashboard_annotation_delete",
    ),
    path(
        "analytics/property-keys/",
        views.property_keys_view,
        name="analytics_dashboard_property_keys",
    ),
    path(
        "analytics/filters/save-segment/",
        views.save_segment,
        name="analytics_dashboard_save_segment",
    ),
]
