"""Registers governance's admin pieces with Wagtail: the registry and questionnaire
viewsets, the Requests menu item with its count, the dashboard panel, the privacy pages
(retention, data-subject requests) in the Settings menu, the log actions, access security
(the two-factor pages and account menu item, the security-posture page) and the editor's
script that links refusals to pre-filled requests."""

from typing import Any

from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.sidebar import LinkMenuItem

from .access import role_changes, throttling, two_factor, users
from .access import selectors as access_selectors
from .access import views as access_views
from .consent import views as consent_views
from .csp import views as csp_views
from .csp.policy_changes import CSP_MODE_CHANGE
from .permissions import HANDLE_DATA_SUBJECTS, VIEW_RETENTION
from .posture import views as posture_views
from .privacy import data_subjects, retention
from .privacy import views as privacy_views
from .registry import selectors, services
from .registry import views as registry_views
from .registry.panels import OpenRequestsPanel
from .scan.services import SCAN_START
from .scripts import services as script_services
from .scripts import views as script_views
from .viewsets import GovernanceViewSetGroup


@hooks.register("register_admin_viewset")
def register_governance_viewsets() -> GovernanceViewSetGroup:
    return GovernanceViewSetGroup()


@hooks.register("register_admin_urls")
def register_request_urls() -> list[URLPattern | URLResolver]:
    return [*posture_views.urlpatterns, *registry_views.urlpatterns, *privacy_views.urlpatterns]


class PermissionMenuItem(MenuItem):
    """A menu item shown to those holding one permission."""

    def __init__(self, *args: Any, permission: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(self.permission)


@hooks.register("register_settings_menu_item")
def register_retention_menu_item() -> MenuItem:
    return PermissionMenuItem(
        "Retention",
        reverse("governance_retention"),
        icon_name="history",
        order=900,
        permission=VIEW_RETENTION,
    )


@hooks.register("register_settings_menu_item")
def register_data_subjects_menu_item() -> MenuItem:
    return PermissionMenuItem(
        "Data-subject requests",
        reverse("governance_data_subjects"),
        icon_name="user",
        order=910,
        permission=HANDLE_DATA_SUBJECTS,
    )


@hooks.register("register_admin_urls")
def register_two_factor_urls() -> list[URLPattern | URLResolver]:
    return list(access_views.urlpatterns)


@hooks.register("register_account_menu_item")
def register_two_factor_account_item(request: HttpRequest) -> dict[str, str]:
    on = access_selectors.has_two_factor(request.user)
    return {
        "url": reverse("governance_two_factor"),
        "label": "Two-factor sign-in",
        "help_text": "On: your authenticator app is asked for after your password."
        if on
        else "Off: turn it on to ask for a code from your phone after your password.",
    }


class ITAdministratorMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return access_selectors.is_it_administrator(request.user)


@hooks.register("register_admin_urls")
def register_policy_report_urls() -> list[URLPattern | URLResolver]:
    return [*csp_views.urlpatterns, *consent_views.urlpatterns]


@hooks.register("register_governance_menu_item")
def register_csp_findings_menu_item() -> MenuItem:
    return PermissionMenuItem(
        "CSP findings",
        reverse("governance_csp_findings"),
        icon_name="warning",
        order=60,
        permission=csp_views.VIEW_VIOLATIONS,
    )


@hooks.register("register_governance_menu_item")
def register_consent_choices_menu_item() -> MenuItem:
    return PermissionMenuItem(
        "Consent choices",
        reverse("governance_consent_choices"),
        icon_name="tick",
        order=70,
        permission=consent_views.VIEW_CONSENT,
    )


@hooks.register("register_admin_urls")
def register_script_urls() -> list[URLPattern | URLResolver]:
    return list(script_views.urlpatterns)


@hooks.register("register_governance_menu_item")
def register_script_inventory_menu_item() -> MenuItem:
    return ITAdministratorMenuItem(
        "Script inventory", reverse("governance_script_inventory"), icon_name="code", order=55
    )


@hooks.register("register_governance_menu_item")
def register_security_posture_menu_item() -> MenuItem:
    return ITAdministratorMenuItem(
        "Security posture", reverse("governance_security_posture"), icon_name="key", order=50
    )


class RequestsMenuItem(MenuItem):
    """ "Requests", with the number of requests awaiting the signed-in user's action."""

    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(services.VIEW_REQUESTS)

    def render_component(self, request: HttpRequest) -> LinkMenuItem:
        count = selectors.awaiting_action(request.user).count()
        label = f"{self.label} ({count})" if count else self.label
        return LinkMenuItem(
            self.name,
            label,
            self.url,
            icon_name=self.icon_name,
            classname=self.classname,
            attrs={**self.attrs, "data-awaiting": str(count)},
        )


@hooks.register("register_admin_menu_item")
def register_requests_menu_item() -> MenuItem:
    return RequestsMenuItem(
        "Requests", reverse("governance_requests"), icon_name="tasks", order=165
    )


@hooks.register("construct_homepage_panels")
def add_open_requests_panel(request: HttpRequest, panels: list[Any]) -> None:
    if request.user.has_perm(services.VIEW_REQUESTS):
        panels.append(OpenRequestsPanel())


@hooks.register("register_log_actions")
def register_log_actions(actions: Any) -> None:
    actions.register_action(
        services.TECHNOLOGY_CREATE, "Add to registry", "Added a technology to the registry"
    )
    actions.register_action(
        services.TECHNOLOGY_UPDATE, "Change registry entry", "Changed a registry entry"
    )
    actions.register_action(
        services.REQUEST_SUBMIT, "Submit technology request", "Submitted a technology request"
    )
    actions.register_action(
        services.REQUEST_REVIEW, "Answer review questions", "Answered the review questionnaire"
    )
    actions.register_action(
        services.REQUEST_COMMENT, "Comment on request", "Commented on a technology request"
    )
    actions.register_action(
        services.REQUEST_APPROVE, "Approve technology", "Approved a technology request"
    )
    actions.register_action(
        services.REQUEST_REJECT, "Reject technology", "Rejected a technology request"
    )
    actions.register_action(
        services.REQUEST_FIRST_APPROVE,
        "First approval",
        "Approved a critical technology, awaiting a second IT approver",
    )
    actions.register_action(
        services.REQUEST_DECISION_REFUSED,
        "Decision refused",
        "Tried to decide a request they may not decide",
    )
    actions.register_action(
        CSP_MODE_CHANGE, "Change CSP mode", "Changed a site's Content-Security-Policy mode"
    )

    actions.register_action(
        retention.POLICY_UPDATE, "Change retention policy", "Changed a retention policy"
    )
    actions.register_action(retention.RUN, "Retention run", "Removed expired personal data")
    actions.register_action(
        data_subjects.FIND, "Find personal data", "Searched for a person's data"
    )
    actions.register_action(
        data_subjects.EXPORT, "Export personal data", "Exported a person's data"
    )
    actions.register_action(data_subjects.ERASE, "Erase personal data", "Erased a person's data")
    actions.register_action(
        data_subjects.ANONYMISE_ACCOUNT,
        "Anonymise account",
        "Anonymised an erased person's account",
    )

    actions.register_action(
        two_factor.ENROL, "Turn on two-factor sign-in", "Turned on two-factor sign-in"
    )
    actions.register_action(
        two_factor.REMOVE, "Turn off two-factor sign-in", "Turned off two-factor sign-in"
    )
    actions.register_action(
        two_factor.RESET, "Reset two-factor sign-in", "IT reset two-factor sign-in"
    )
    actions.register_action(
        two_factor.RENEW_BACKUP_CODES, "Renew backup codes", "Made new two-factor backup codes"
    )
    actions.register_action(
        two_factor.VERIFY_FAIL, "Wrong two-factor code", "Entered a wrong two-factor code"
    )

    actions.register_action(SCAN_START, "Start site scan", "Started a scan for third-party hosts")
    actions.register_action(
        script_services.SCRIPT_FETCH, "Fetch script for review", "Fetched a script for review"
    )
    actions.register_action(
        script_services.SCRIPT_APPROVE, "Approve script", "Approved a script and its SRI hash"
    )
    actions.register_action(
        script_services.MONITOR_RUN, "Script monitor run", "Checked scripts and security headers"
    )


@hooks.register("insert_editor_js")
def request_links_js() -> str:
    return format_html('<script defer src="{}"></script>', static("governance/request_links.js"))


@hooks.register("register_log_actions")
def register_sign_in_throttle_log_actions(actions: Any) -> None:
    throttling.register_log_actions(actions)


@hooks.register("register_log_actions")
def register_role_change_log_actions(actions: Any) -> None:
    actions.register_action(
        role_changes.GRANTED, "Make IT administrator", "Made an IT administrator"
    )
    actions.register_action(
        role_changes.REVOKED, "Remove IT administrator", "Removed from IT administrators"
    )


# After Wagtail's own (order 0), so these replace its user bulk actions of the same type.
hooks.register("register_bulk_action", users.AssignRole, order=100)
hooks.register("register_bulk_action", users.SetActiveState, order=100)
