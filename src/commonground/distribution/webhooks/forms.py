"""The admin form for a webhook subscription: events as tick boxes from the fixed set."""

from django import forms
from django.contrib.auth import get_user_model
from wagtail.admin.forms import WagtailAdminModelForm

from .models import EVENT_TYPES, WebhookSubscription


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

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        User = get_user_model()
        owner.queryset = User.objects.filter(is_active=True).order_by(User.USERNAME_FIELD)
        owner.help_text = (
            "Told by e-mail when repeated failures disable the subscription; you, if empty."
        )
