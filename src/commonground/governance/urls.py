"""The public site's governance URLs (the admin's are registered through hooks)."""

from django.urls import path

from .consent.endpoints import consent_choice
from .csp.endpoints import csp_report

urlpatterns = [
    path("-/csp-report", csp_report, name="governance_csp_report"),
    path("-/consent", consent_choice, name="governance_consent"),
]
