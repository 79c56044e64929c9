"""Refusals that say why: alignment's views answer a PermissionDenied with a 403 page giving
its reason ("Only the IT Lead may do this."), where Wagtail would redirect to the dashboard
with a generic message."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

View = Callable[..., HttpResponse]
GENERIC = "You may read this, but not change it."


def explain_refusals(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as error:
            return TemplateResponse(
                request,
                "alignment/refused.html",
                {"header_title": "Not allowed", "reason": str(error) or GENERIC},
                status=403,
            )

    return wrapped
