"""The admin's Users screens without a quiet root: the superuser flag is never offered (a
superuser is made on the server, `commonground createsuperuser`), and only a superuser edits
a superuser. Wagtail's users app is pointed here by ``users_app.UsersConfig``."""

from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.template.response import TemplateResponse
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views import users as wagtail_users

SUPERUSER_FIELD = "is_superuser"


class _WithoutSuperuserFlag:
    """A user form less the superuser flag: a posted ``is_superuser`` is not a field, so it
    is ignored."""

    fields: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.pop(SUPERUSER_FIELD, None)


class CreationForm(_WithoutSuperuserFlag, UserCreationForm):
    pass


class EditForm(_WithoutSuperuserFlag, UserEditForm):
    pass


class EditView(wagtail_users.EditView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if self.object.is_superuser and not request.user.is_superuser:
            # A 403 that says why (Wagtail would redirect to the dashboard): before any form
            # is read, so neither a GET shows the account's form nor a POST changes it.
            return TemplateResponse(
                request,
                "governance/access/refused.html",
                {
                    "header_title": "Not allowed",
                    "reason": "Only a superuser may change a superuser's account.",
                },
                status=403,
            )
        response: HttpResponseBase = super().dispatch(request, *args, **kwargs)
        return response


class UserViewSet(wagtail_users.UserViewSet):
    edit_view_class = EditView

    def get_form_class(self, for_update: bool = False) -> type[UserCreationForm]:
        return EditForm if for_update else CreationForm
