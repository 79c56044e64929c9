"""Where each person chooses their weekly e-mail reports: a panel in their account settings
(Account → Notifications), one box per tracked site."""

from typing import Any

from django import forms
from django.contrib.auth.models import User
from wagtail.admin.views.account import BaseSettingsPanel, notifications_tab

from ..models import VIEW_ANALYTICS, TrackedSite
from ..reports.weekly_report import set_report_subscription, subscribed_sites


class WeeklyReportsForm(forms.Form):
    sites = forms.ModelMultipleChoiceField(
        queryset=TrackedSite.objects.order_by("name", "domain"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Weekly e-mail report for",
    )

    def __init__(self, *args: Any, instance: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"sites": list(subscribed_sites(instance))})
        super().__init__(*args, **kwargs)
        self.user = instance

    def save(self) -> None:
        chosen = set(self.cleaned_data["sites"])
        # Only what changed: the account page saves every panel, whichever one was edited.
        for site in chosen ^ set(subscribed_sites(self.user)):
            set_report_subscription(self.user, site, site in chosen)


class WeeklyReportsPanel(BaseSettingsPanel):
    name = "analytics_weekly_reports"
    title = "Weekly analytics reports"
    tab = notifications_tab
    order = 300
    form_class = WeeklyReportsForm
    template_name = "analytics/account/weekly_reports_panel.html"

    def is_active(self) -> bool:
        return bool(self.user.has_perm(VIEW_ANALYTICS) and TrackedSite.objects.exists())

    def get_context_data(self) -> dict[str, Any]:
        return {**super().get_context_data(), "has_email": bool(self.user.email)}
