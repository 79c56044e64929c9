"""The site tag's form (the vendor's script URL, whose host the registry must approve) and the
security settings' form (a written reason to switch the policy to report only)."""

from typing import Any

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from . import policy_changes
from .models import SecuritySettings, SiteTag


class SiteTagForm(WagtailAdminModelForm):
    class Meta:
        model = SiteTag
        fields = ["name", "script_url", "placement", "load_async", "site", "enabled"]

    script_url = forms.URLField(
        label="Script URL",
        max_length=500,
        assume_scheme="https",
        help_text="The address of the vendor's script. Its host must be approved for scripts "
        "in the technology registry.",
    )


class SecuritySettingsForm(WagtailAdminModelForm):
    """Wagtail's settings form for ``SecuritySettings`` (its ``base_form_class``): switching to
    report only needs a written reason; a mode change is audited with it, before and after,
    and the other IT administrators are e-mailed (``policy_changes.record_csp_mode_change``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode_before = self.instance.csp_mode if self.instance.pk else None
        self.reason_before = self.instance.csp_mode_reason
        if "csp_mode_reason" in self.fields:
            # A new change needs its own reason: the last one is in the audit trail.
            self.initial["csp_mode_reason"] = ""
            self.fields["csp_mode_reason"].widget = forms.Textarea(attrs={"rows": 3})

    @property
    def mode_changed(self) -> bool:
        mode = self.cleaned_data.get("csp_mode")
        return bool(mode != (self.mode_before or SecuritySettings.CspMode.ENFORCING))

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or self.cleaned_data
        reason = (data.get("csp_mode_reason") or "").strip()
        data["csp_mode_reason"] = reason
        if (
            data.get("csp_mode") == SecuritySettings.CspMode.REPORT_ONLY
            and self.mode_changed
            and not reason
        ):
            self.add_error(
                "csp_mode_reason",
                "Say why the policy stops blocking: report only lets every unapproved script "
                "run, and the other IT administrators are told.",
            )
        return data

    def save(self, commit: bool = True) -> Any:
        changed = self.mode_changed
        if not changed:
            self.instance.csp_mode_reason = self.reason_before  # unchanged mode, kept reason
        instance = super().save(commit=commit)
        if changed and commit:
            policy_changes.record_csp_mode_change(
                user=self.for_user,
                security_settings=instance,
                before=self.mode_before or SecuritySettings.CspMode.ENFORCING,
            )
        return instance
