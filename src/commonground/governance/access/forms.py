"""The sign-in form with throttling, and the code forms of the two-factor pages."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from wagtail.admin.forms.auth import LoginForm

from . import throttling


class ThrottledLoginForm(LoginForm):
    """Wagtail's sign-in form (WAGTAILADMIN_USER_LOGIN_FORM): while the throttle holds the
    attempt back the password is not even checked (``throttle`` then says for how long, for
    the view's 429); otherwise failures are counted and a success clears the account's."""

    throttle: throttling.Throttle | None = None

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = throttling.client_address(self.request) if self.request else ""
        self.throttle = throttling.throttle(username=username, address=address)
        if self.throttle is not None:
            raise ValidationError(self.throttle.message, code="throttled")
        try:
            cleaned: dict[str, Any] = super().clean()
        except ValidationError:
            if username and self.cleaned_data.get("password"):
                throttling.record_failure(username=username, address=address)
            raise
        throttling.record_success(username=username, address=address)
        return cleaned


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        strip=True,
        help_text="The 6-digit code your authenticator app shows, or an 8-character backup code.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": "",
            }
        ),
        error_messages={"max_length": "A code has at most 8 characters (spaces aside)."},
    )


class AppCodeForm(CodeForm):
    """Confirming a new authenticator app: its code only, no backup codes yet."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        field.help_text = "The 6-digit code the app shows for this account now."
        field.widget.attrs["inputmode"] = "numeric"
