"""The policy's background work: the alert to IT administrators when a site's CSP mode changes."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from ..registry.notifications import reviewer_addresses
from .models import SecuritySettings


@task()
def send_csp_mode_alert(settings_id: int, before: str, actor_id: int | None) -> int:
    """One message to every IT administrator but the one who changed the mode; returns how
    many went out."""
    security = SecuritySettings.objects.select_related("site").filter(pk=settings_id).first()
    if security is None:
        return 0
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    skip = {actor.email} if actor is not None and actor.email else set()
    base = (getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "").rstrip("/")
    body = render_to_string(
        "governance/email/csp_mode_changed.txt",
        {
            "security": security,
            "before": before,
            "actor": actor,
            "url": base
            + reverse("wagtailsettings:edit", args=["governance", "securitysettings", security.pk]),
        },
    )
    mode = security.get_csp_mode_display().split(":")[0]
    subject = f"Content-Security-Policy of {security.site} is now {mode}"
    to = [address for address in reviewer_addresses() if address not in skip]
    return sum(send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in to)
