"""Grants of model permissions to the roles, for every app's data migrations.

The roles migration (core 0002) gave IT "every permission there is" once, which does not cover
models created after it ran, so each later model's permissions are granted explicitly.
Permissions are normally created after all migrations have run; these grants need them now.
"""

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from django.contrib.auth.management import create_permissions

# RunPython's (apps, schema_editor) callables.
Step = Callable[[Any, Any], None]


def role_grants(
    model_name: str, grants: Mapping[str, Sequence[str]], app_label: str = "analytics"
) -> tuple[Step, Step]:
    """(grant, revoke) for RunPython: ``grants`` maps role names to codenames of
    ``app_label``'s ``model_name``. A role IT has deleted gets nothing; reversing removes
    exactly these."""

    def _permissions(apps: Any) -> dict[str, Any]:
        app_config = apps.get_app_config(app_label)
        # Migration state's app stubs have no models module, and create_permissions skips those.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = models_module
        Permission = apps.get_model("auth.Permission")
        permissions = Permission.objects.filter(
            content_type__app_label=app_label, content_type__model=model_name
        )
        by_codename = {permission.codename: permission for permission in permissions}
        wanted = {codename for codenames in grants.values() for codename in codenames}
        if missing := wanted - set(by_codename):
            raise LookupError(f"permissions {sorted(missing)} do not exist; cannot grant them")
        return by_codename

    def _grants(apps: Any) -> Iterator[tuple[Any, list[Any]]]:
        by_codename = _permissions(apps)
        Group = apps.get_model("auth.Group")
        for group in Group.objects.filter(name__in=grants):
            yield group, [by_codename[codename] for codename in grants[group.name]]

    def grant(apps: Any, schema_editor: Any) -> None:
        for group, permissions in _grants(apps):
            group.permissions.add(*permissions)

    def revoke(apps: Any, schema_editor: Any) -> None:
        for group, permissions in _grants(apps):
            group.permissions.remove(*permissions)

    return grant, revoke


def model_role_grants(
    app_label: str, grants: Mapping[str, Mapping[str, Sequence[str]]]
) -> tuple[Step, Step]:
    """(grant, revoke) for RunPython over several models: ``grants`` maps a model name to
    {role name: actions}, an action being "view", "add"... or a custom permission's codename
    without the model ("review" for "review_<model>")."""
    pairs = [
        role_grants(
            model,
            {
                role: tuple(f"{action}_{model}" for action in actions)
                for role, actions in roles.items()
            },
            app_label=app_label,
        )
        for model, roles in grants.items()
    ]

    def grant(apps: Any, schema_editor: Any) -> None:
        for forward, _ in pairs:
            forward(apps, schema_editor)

    def revoke(apps: Any, schema_editor: Any) -> None:
        for _, backward in pairs:
            backward(apps, schema_editor)

    return grant, revoke
