"""A test client that posts a public form as a browser would after loading it: from this
site (an ``Origin`` header) with a fresh signed token for the form (core/http/form_tokens)."""

import re
from typing import Any

from django.test import Client

from commonground.core.http import form_tokens

SITE_ORIGIN = "http://testserver"


def newsletter_form_for(path: str) -> str:
    """The form a newsletter page's POST answers (the names its templates sign)."""
    if path.startswith("/newsletter/confirm/"):
        return "newsletter:confirm"
    if path.startswith("/newsletter/preferences/"):
        return "newsletter:preferences"
    return "newsletter:subscribe"


class PublicFormClient(Client):
    """``form``: the form's name (``landing.form_token_name``); none: a newsletter page's."""

    def __init__(self, form: str | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.form = form

    def post(self, path: str, data: Any = None, *args: Any, **extra: Any) -> Any:  # type: ignore[override]
        form = self.form or newsletter_form_for(path)
        if data is None or isinstance(data, dict):
            data = {**(data or {}), form_tokens.FIELD: form_tokens.issue_token(form)}
        extra.setdefault("HTTP_ORIGIN", SITE_ORIGIN)
        return super().post(path, data, *args, **extra)


def form_token_in(html: str) -> str | None:
    match = re.search(rf'name="{form_tokens.FIELD}"\s+value="([^"]+)"', html)
    return match.group(1) if match else None
