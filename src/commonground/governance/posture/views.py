"""IT's security-posture page in the admin: every check's answer and the overall verdict."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from ..access.selectors import is_it_administrator
from . import checks as posture


def security_posture(request: HttpRequest) -> HttpResponse:
    """IT's checklist of the installation's security settings, each with what to fix."""
    if not is_it_administrator(request.user):
        raise PermissionDenied
    results = posture.run_checks()
    return TemplateResponse(
        request,
        "governance/admin/posture.html",
        {
            "checks": results,
            "overall": posture.worst(results),
            "header_title": "Security posture",
        },
    )


urlpatterns = [
    path("governance/security/", security_posture, name="governance_security_posture"),
]
