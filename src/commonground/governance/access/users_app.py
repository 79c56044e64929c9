"""Wagtail's users app (label ``wagtailusers``) with our user viewset (``users.py``): in
INSTALLED_APPS in place of ``wagtail.users``. Its own module, because an app config's module
is imported before the apps are ready and the viewset's is not importable then."""

from wagtail.users.apps import WagtailUsersAppConfig


class UsersConfig(WagtailUsersAppConfig):
    user_viewset = "commonground.governance.access.users.UserViewSet"
