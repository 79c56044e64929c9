"""Wagtail's page permission policy, with a "view" page permission that opens the explorer.

Wagtail 8 has no permission to read the page tree: the explorer, the page search and the
menu item admit whoever holds any of add/change/publish/bulk_delete/lock/unlock somewhere.
A group given ``wagtailcore.view_page`` on a page (a GroupPagePermission, as the Viewer
holds on the root) here may explore that subtree too. Every action button asks the page's
PagePermissionTester, which knows no "view", so a reader is offered no edit, add, move,
delete, publish or lock.
"""

from collections.abc import Collection
from typing import Any

from django.db.models import QuerySet
from wagtail.models import Page
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import register_permission_policy

# The set Wagtail asks when it means "may this user explore pages at all".
EXPLORE_ACTIONS = frozenset({"add", "change", "publish", "bulk_delete", "lock", "unlock"})
VIEW = "view"


def _with_view(actions: Collection[str]) -> set[str]:
    wanted = set(actions)
    return wanted | {VIEW} if wanted >= EXPLORE_ACTIONS else wanted


class ReadablePagePermissionPolicy(PagePermissionPolicy):
    def user_has_any_permission(self, user: Any, actions: Collection[str]) -> bool:
        return bool(super().user_has_any_permission(user, _with_view(actions)))

    def instances_user_has_any_permission_for(
        self, user: Any, actions: Collection[str]
    ) -> QuerySet[Page]:
        pages: QuerySet[Page] = super().instances_user_has_any_permission_for(
            user, _with_view(actions)
        )
        return pages

    def instances_with_direct_explore_permission(self, user: Any) -> Any:
        pages = super().instances_with_direct_explore_permission(user)
        if user.is_superuser:
            return pages
        codename = self._get_permission_codename(VIEW)
        readable = [
            perm.page
            for perm in self.get_cached_permissions_for_user(user)
            if perm.permission.codename == codename
        ]
        return [*pages, *readable]


def register() -> None:
    """Use the policy for every page type (before the admin asks for one)."""
    register_permission_policy(Page, ReadablePagePermissionPolicy(Page))
