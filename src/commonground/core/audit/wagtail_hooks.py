"""Registers the audit trail's admin report (Reports menu). Wagtail loads only each app's own
``wagtail_hooks.py``, so core's imports this module."""

from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from .views import AuditTrailMenuItem, AuditTrailView


@hooks.register("register_admin_urls")
def register_audit_trail_urls() -> list[URLPattern]:
    return [
        path("reports/audit-trail/", AuditTrailView.as_view(), name="commonground_audit_trail"),
        path(
            "reports/audit-trail/results/",
            AuditTrailView.as_view(results_only=True),
            name="commonground_audit_trail_results",
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_audit_trail_menu_item() -> AuditTrailMenuItem:
    return AuditTrailMenuItem(
        _("Audit trail"),
        reverse("commonground_audit_trail"),
        name="audit-trail",
        icon_name="history",
        order=650,
    )
