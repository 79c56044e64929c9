"""Forms of the privacy pages: a retention policy, an address, and the erasure's confirmation."""

from typing import Any

from django import forms

from .data_subjects import AddressError, parse_address
from .models import MAX_RETENTION_DAYS


class PolicyForm(forms.Form):
    days = forms.IntegerField(
        min_value=1,
        max_value=MAX_RETENTION_DAYS,
        help_text="Rows older than this many days are removed by the daily run.",
    )
    enabled = forms.BooleanField(
        required=False, label="Enforce this policy", help_text="Untick to keep this kind for ever."
    )


def _address(value: str) -> str:
    try:
        return parse_address(value)
    except AddressError as error:
        raise forms.ValidationError(str(error)) from error


class AddressForm(forms.Form):
    # No max_length here: an over-long value gets parse_address's message, not a bare limit.
    address = forms.CharField(label="E-mail address", strip=True)

    def clean_address(self) -> str:
        return _address(self.cleaned_data["address"])


class RequestStepForm(AddressForm):
    """Export or erase: the address again (it is kept nowhere) and the request it belongs to."""

    address = forms.CharField(widget=forms.HiddenInput)
    request = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class EraseForm(RequestStepForm):
    confirmation = forms.CharField(
        label="Type the e-mail address again to confirm",
        help_text="Erasure cannot be undone.",
    )
    anonymise_accounts = forms.BooleanField(
        required=False,
        label="Also anonymise the admin account(s) with this address",
        help_text="Deactivates the account and empties its name, e-mail and password.",
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        typed = (data.get("confirmation") or "").strip().lower()
        if data.get("address") and typed != data["address"]:
            self.add_error("confirmation", "This is not the address the request is about.")
        return data
