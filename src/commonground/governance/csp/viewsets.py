"""Site tags in the Wagtail admin: vendors' scripts on every page, managed by marketing
without a deploy, each listed with what the page does with it."""

from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet

from ..scripts.selectors import reviewed_integrity
from . import selectors
from .forms import SiteTagForm
from .models import SiteTag


def _tag_verdict(tag: SiteTag) -> str:
    """What the page does with the tag, as the tag list shows it."""
    if not tag.enabled:
        return "off"
    [judged] = selectors.judged_tags([tag])
    if not judged.approved:
        return f"not loaded: {judged.host or 'this address'} is not approved for scripts"
    if not reviewed_integrity([tag.script_url]):
        return "not loaded: its script has no reviewed hash (IT reviews it in Script inventory)"
    if judged.consent_purpose:
        return f"loads after consent ({judged.consent_purpose})"
    return "loads on every page"


class SiteTagViewSet(ModelViewSet):
    """Vendors' scripts on every page, managed by marketing without a deploy; the registry
    decides which hosts they may come from (the model's clean refuses the others)."""

    model = SiteTag
    name = "governance_site_tags"
    url_prefix = "governance/site-tags"
    icon = "code"
    menu_label = "Site tags"
    list_display = [
        "name",
        Column("script_url", label="Script"),
        Column("site", label="Site", accessor=lambda t: str(t.site) if t.site else "every site"),
        Column("verdict", label="On the page", accessor=_tag_verdict),
        "updated_at",
    ]
    list_filter = ["enabled", "placement"]
    search_fields = ["name", "script_url"]
    search_backend_name = None
    copy_view_enabled = False

    def get_form_class(self, for_update: bool = False) -> type[SiteTagForm]:
        return SiteTagForm
