"""What follows a registry change on the public site: the CSP is rebuilt in every process,
and cached pages that show the consent banner, a consent-gated snippet or site tags are
re-rendered (a change to the tags themselves re-renders the pages, the policy stays).

Hosts are written only with their technology (``registry.services.save_technology`` replaces them in
the technology's transaction), so the technology's own save is the one signal: listening to
each host as well queued one rebuild and one page-cache purge per host for a single save."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.log_actions import log
from wagtail.models import Site

from commonground.core.pages import page_cache

from ..registry.models import Technology
from . import policy
from .models import SecuritySettings, SiteTag
from .tasks import send_csp_mode_alert

# Carried by every page that shows registry-derived output (the banner is on every page).
REGISTRY_TAG = "governance:registry"


def _registry_changed(sender: Any, **kwargs: Any) -> None:
    policy.policy_changed()
    page_cache.invalidate_on_commit([REGISTRY_TAG])


def _tags_changed(sender: Any, **kwargs: Any) -> None:
    page_cache.invalidate_on_commit([REGISTRY_TAG])


def _policy_changed(sender: Any, **kwargs: Any) -> None:
    policy.policy_changed()


CSP_MODE_CHANGE = "governance.csp_mode.change"


def record_csp_mode_change(*, user: Any, security_settings: SecuritySettings, before: str) -> None:
    """The audit entry of a site's CSP mode change (before, after, the reason), and the
    e-mail to the other IT administrators once it is committed. Runs in the settings view's
    transaction."""
    log(
        security_settings,
        CSP_MODE_CHANGE,
        user=user,
        data={
            "site": str(security_settings.site),
            "before": before,
            "after": security_settings.csp_mode,
            "reason": security_settings.csp_mode_reason[:2000],
        },
    )
    actor_id = getattr(user, "pk", None)
    transaction.on_commit(
        lambda: send_csp_mode_alert.enqueue(security_settings.pk, before, actor_id)
    )


def connect() -> None:
    post_save.connect(_registry_changed, sender=Technology, dispatch_uid="cg_csp_Technology")
    post_delete.connect(_registry_changed, sender=Technology, dispatch_uid="cg_csp_del_Technology")
    post_save.connect(_tags_changed, sender=SiteTag, dispatch_uid="cg_site_tags")
    post_delete.connect(_tags_changed, sender=SiteTag, dispatch_uid="cg_site_tags_del")
    for model in (SecuritySettings, Site):
        post_save.connect(_policy_changed, sender=model, dispatch_uid=f"cg_csp_{model.__name__}")
        post_delete.connect(
            _policy_changed, sender=model, dispatch_uid=f"cg_csp_del_{model.__name__}"
        )
