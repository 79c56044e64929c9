"""Grants of model permissions to the roles, for data migrations (the loader skips ``_`` files).

The roles migration (core 0002) gave IT "every permission there is" once, which does not cover
models created after it ran, so each later model's permissions are granted explicitly.
Permissions are normally created after all migrations have run; these grants need them now.
"""

from django.contrib.auth.management import create_permissions


def role_grants(model_name, grants, app_label="analytics"):
    """(grant, revoke) for RunPython: ``grants`` maps role names to codenames of
    ``app_label``'s ``model_name``. A role IT has deleted gets nothing; reversing removes
    exactly these."""

    def _permissions(apps):
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

    def _grants(apps):
        by_codename = _permissions(apps)
        Group = apps.get_model("auth.Group")
        for group in Group.objects.filter(name__in=grants):
            yield group, [by_codename[codename] for codename in grants[group.name]]

    def grant(apps, schema_editor):
        for group, permissions in _grants(apps):
            group.permissions.add(*permissions)

    def revoke(apps, schema_editor):
        for group, permissions in _grants(apps):
            group.permissions.remove(*permissions)

    return grant, revoke


def model_role_grants(app_label, grants):
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

    def grant(apps, schema_editor):
        for forward, _ in pairs:
            forward(apps, schema_editor)

    def revoke(apps, schema_editor):
        for _, backward in pairs:
            backward(apps, schema_editor)

    return grant, revoke
