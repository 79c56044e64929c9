"""Governance's menu in the Wagtail admin: the registry, the questionnaire, the site tags and
the shadow-IT report, with the other governance pages added under its hook."""

from wagtail.admin.viewsets.model import ModelViewSetGroup

from .csp.viewsets import SiteTagViewSet
from .registry.viewsets import ReviewQuestionViewSet, TechnologyViewSet
from .scan.views import ScanReportViewSet


class GovernanceViewSetGroup(ModelViewSetGroup):
    menu_label = "Governance"
    menu_icon = "lock"
    menu_order = 170
    items = (TechnologyViewSet, ReviewQuestionViewSet, SiteTagViewSet, ScanReportViewSet)
    # Other governance pages (the security posture) add their items under this hook.
    submenu_hook = "register_governance_menu_item"
