"""Who may read analytics, which sites, and who may create, see and revoke which API keys.

Nothing in the project limits a user to some tracked sites: whoever may view the analytics
dashboard (``analytics.view_dashboard``, which every role holds) may read every tracked site,
so a key may be made for any of them. Should per-site visibility arrive, ``readable_sites`` is
the one place to change; the endpoint asks it on every request, so keys follow at once.

A key is a Wagtail API token, so whose keys a user manages is Wagtail's rule for tokens
(``wagtail.users.utils``): the token permissions gate one's own (``add_apitoken`` to create,
``delete_apitoken`` to revoke; every role holds both), and whoever may change users (IT)
manages everyone's too, except that only superusers manage superusers' tokens. Creating a key
also needs the dashboard permission and ``analytics.add_statsapikey``, which IT grants (IT
Administrator holds it by default): a key reads every tracked site's analytics.
"""

from collections.abc import Collection
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as UserModel
from django.db.models import QuerySet
from wagtail.permission_policies import BasePermissionPolicy
from wagtail.users.utils import get_manageable_token_owners, user_can_manage_token

from ..models import CREATE_STATS_API_KEYS, VIEW_ANALYTICS, StatsApiKey, TrackedSite

User = UserModel | AnonymousUser

CREATE_KEYS = "wagtailcore.add_apitoken"
REVOKE_KEYS = "wagtailcore.delete_apitoken"
# The token permission each action of the viewset needs: listing needs either.
_PERMISSIONS = {"add": (CREATE_KEYS,), "view": (CREATE_KEYS, REVOKE_KEYS), "delete": (REVOKE_KEYS,)}


def may_read_analytics(user: User) -> bool:
    return bool(user.is_active and user.has_perm(VIEW_ANALYTICS))


def readable_sites(user: User) -> QuerySet[TrackedSite]:
    """The tracked sites ``user`` may read; every one, or none (see the module's docstring)."""
    if may_read_analytics(user):
        return TrackedSite.objects.all()
    return TrackedSite.objects.none()


def why_not_create_keys(user: User) -> str:
    """ "" when ``user`` may create a key for themself; else why not, for the refusal."""
    if not may_read_analytics(user):
        return "A Stats API key reads analytics, and you may not see analytics."
    if not user.has_perm(CREATE_STATS_API_KEYS):
        return (
            "Creating Stats API keys is a permission IT grants (a key reads every tracked"
            " site's analytics). Ask an IT administrator for “Can create Stats API keys”."
        )
    if not user_can_manage_token(user, user, CREATE_KEYS):
        return "You may not hold API tokens."
    return ""


def may_create_keys(user: User) -> bool:
    return not why_not_create_keys(user)


class ApiKeyPermissionPolicy(BasePermissionPolicy):
    """Wagtail's view of the rules above, for the API keys viewset.

    Actions: "add" (create a key for oneself), "view" (the list), "delete" (revoke).
    """

    def __init__(self) -> None:
        super().__init__(StatsApiKey)

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action == "add":
            return may_create_keys(user)
        return _holds(user, [action])

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        owner = instance.token.user
        return any(user_can_manage_token(user, owner, p) for p in _PERMISSIONS.get(action, ()))

    def instances_user_has_any_permission_for(
        self, user: Any, actions: Collection[str]
    ) -> QuerySet[StatsApiKey]:
        # Every action reaches the same owners; the actions differ only in the permission held.
        if not _holds(user, actions):
            return StatsApiKey.objects.none()
        return StatsApiKey.objects.filter(token__user__in=get_manageable_token_owners(user))


def _holds(user: Any, actions: Collection[str]) -> bool:
    return any(user.has_perm(perm) for action in actions for perm in _PERMISSIONS.get(action, ()))
