"""The site tag's form: the vendor's script URL, whose host the registry must approve."""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from .models import SiteTag


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
