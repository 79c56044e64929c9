"""The admin's Users screens without a quiet root: the superuser flag is never offered (a
superuser is made on the server, `commonground createsuperuser`), only a superuser edits
a superuser (in the form and in the list's bulk actions), and making someone an IT
administrator, whichever way, is audited and told to every IT administrator
(``role_changes``). Wagtail's users app is pointed here by ``users_app.UsersConfig``."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponseBase
from django.template.response import TemplateResponse
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views import users as wagtail_users
from wagtail.users.views.bulk_actions import AssignRoleBulkAction, SetActiveStateBulkAction

from . import role_changes

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


class CreateView(wagtail_users.CreateView):
    def save_instance(self) -> AbstractBaseUser:
        # Inside Wagtail's transaction: the audit entry commits with the user, or neither.
        user: AbstractBaseUser = super().save_instance()
        role_changes.record_groups_change(
            user=user, before=[], after=role_changes.group_names(user), by=self.request.user
        )
        return user


class EditView(wagtail_users.EditView):
    def save_instance(self) -> AbstractBaseUser:
        # The groups as stored: the bound form has not written its own yet.
        before = role_changes.group_names(self.object)
        user: AbstractBaseUser = super().save_instance()
        role_changes.record_groups_change(
            user=user, before=before, after=role_changes.group_names(user), by=self.request.user
        )
        return user

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


class AssignRole(AssignRoleBulkAction):
    """Wagtail's "Assign role" on the users list (registered in its place): not onto a
    superuser unless by one, and a grant of IT Administrator audited and told."""

    def check_perm(self, obj: Any) -> bool:
        return bool(super().check_perm(obj)) and _may_change(self.request.user, obj)

    def get_execution_context(self) -> dict[str, Any]:
        return {**super().get_execution_context(), "by": self.request.user}

    @classmethod
    def execute_action(cls, objects: Any, role: Any = None, by: Any = None, **kwargs: Any) -> Any:
        befores = {user.pk: role_changes.group_names(user) for user in objects}
        done = super().execute_action(objects, role=role, **kwargs)
        for user in objects:
            after = role_changes.group_names(user)
            role_changes.record_groups_change(
                user=user, before=befores[user.pk], after=after, by=by
            )
        return done


class SetActiveState(SetActiveStateBulkAction):
    """Wagtail's "Set active state", not onto a superuser unless by one."""

    def check_perm(self, obj: Any) -> bool:
        return bool(super().check_perm(obj)) and _may_change(self.request.user, obj)


def _may_change(actor: Any, user: Any) -> bool:
    return not user.is_superuser or bool(actor.is_superuser)


class UserViewSet(wagtail_users.UserViewSet):
    add_view_class = CreateView
    edit_view_class = EditView

    def get_form_class(self, for_update: bool = False) -> type[UserCreationForm]:
        return EditForm if for_update else CreationForm
