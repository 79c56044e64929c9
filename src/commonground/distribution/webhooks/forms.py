"""The admin form for a webhook subscription: events as tick boxes from the fixed set, and
a URL whose host is public by the rule sends apply (checked on save, names resolved)."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm

from commonground.core.http.public_addresses import NotPublicAddressError

from .models import EVENT_TYPES, WebhookSubscription
from .sender import check_target


class WebhookSubscriptionForm(WagtailAdminModelForm):
    # https assumed for an address typed without a scheme; the model allows http(s) only.
    url = forms.URLField(
        label="URL",
        max_length=WebhookSubscription._meta.get_field("url").max_length,
        assume_scheme="https",
        help_text=WebhookSubscription._meta.get_field("url").help_text,
    )
    events = forms.MultipleChoiceField(
        choices=[(event, f"{event}: {label}") for event, label in EVENT_TYPES.items()],
        widget=forms.CheckboxSelectMultiple,
        help_text="What is sent here. “Send test” always works, ticked or not.",
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "events", "owner", "is_active"]

    def __init__(self, *args: Any, checks_addresses: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # False when the channel allows private networks or sends through a proxy.
        self.checks_addresses = checks_addresses
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        User = get_user_model()
        owner.queryset = User.objects.filter(is_active=True).order_by(User.USERNAME_FIELD)
        owner.help_text = (
            "Told by e-mail when repeated failures disable the subscription; you, if empty."
        )

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        if self.checks_addresses:
            try:
                check_target(url)
            except NotPublicAddressError as refused:
                raise ValidationError(
                    "%(reason)s. Webhooks go to public addresses only, as they would be"
                    " refused when sent.",
                    code="not_public",
                    params={"reason": str(refused)},
                ) from refused
        return url
