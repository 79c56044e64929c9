"""Who may read analytics, which sites, and who may create, see and revoke which API keys.

Nothing in the project limits a user to some tracked sites: whoever may view the analytics
dashboard (``analytics.view_dashboard``, which every role holds) may read every tracked site,
so a key may be made for any of them. Should per-site visibility arrive, ``readable_sites`` is
the one place to change; the endpoint asks it on every request, so keys follow at once.

API keys use the model permissions Wagtail's group editor shows, with these meanings:
``add_apikey`` lets a user create, list and revoke their own keys (every role holds it);
``view_apikey`` lists everyone's and ``delete_apikey`` revokes everyone's (IT holds both).
Keys are never edited: ``change_apikey`` grants nothing.
"""

from collections.abc import Collection
from typing import Any, Literal

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as UserModel
from django.db.models import QuerySet
from wagtail.permission_policies import BasePermissionPolicy

from ..models import ApiKey, TrackedSite

User = UserModel | AnonymousUser

VIEW_ANALYTICS = "analytics.view_dashboard"
ADD_OWN_KEYS = "analytics.add_apikey"
LIST_ALL_KEYS = "analytics.view_apikey"
REVOKE_ALL_KEYS = "analytics.delete_apikey"


def may_read_analytics(user: User) -> bool:
    return bool(user.is_active and user.has_perm(VIEW_ANALYTICS))


def readable_sites(user: User) -> QuerySet[TrackedSite]:
    """The tracked sites ``user`` may read; every one, or none (see the module's docstring)."""
    if may_read_analytics(user):
        return TrackedSite.objects.all()
    return TrackedSite.objects.none()


def may_create_keys(user: User) -> bool:
    return may_read_analytics(user) and user.has_perm(ADD_OWN_KEYS)


class ApiKeyPermissionPolicy(BasePermissionPolicy):
    """Wagtail's view of the rules above, for the API keys viewset.

    Actions: "add" (create a key for oneself), "view" (the list), "delete" (revoke).
    """

    def __init__(self) -> None:
        super().__init__(ApiKey)

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action == "add":
            return may_create_keys(user)
        return self._scope(user, action) != "none"  # some keys, if only one's own

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        scope = self._scope(user, action)
        return scope == "all" or (scope == "own" and instance.user_id == user.pk)

    def instances_user_has_permission_for(self, user: Any, action: str) -> QuerySet[ApiKey]:
        scope = self._scope(user, action)
        keys = ApiKey.objects.all()
        if scope == "all":
            return keys
        return keys.filter(user=user) if scope == "own" else keys.none()

    def instances_user_has_any_permission_for(
        self, user: Any, actions: Collection[str]
    ) -> QuerySet[ApiKey]:
        keys = ApiKey.objects.none()
        for action in actions:
            keys = keys | self.instances_user_has_permission_for(user, action)
        return keys

    @staticmethod
    def _scope(user: Any, action: str) -> Literal["all", "own", "none"]:
        """Whose keys ``user`` may list ("view") or revoke ("delete")."""
        if not user.is_active or action not in ("view", "delete"):
            return "none"
        if user.has_perm(LIST_ALL_KEYS if action == "view" else REVOKE_ALL_KEYS):
            return "all"
        return "own" if user.has_perm(ADD_OWN_KEYS) else "none"
