"""Grant the tracked-site permissions to the roles: IT manages the list, everyone else reads it.

IT decides what is tracked, so only *IT Administrator* may add, change and delete tracked
sites. *Marketing Publisher*, *Marketing Editor* and *Viewer* get the view permission, so
they can open a site and copy its embed snippet. The roles migration (core 0002) gave IT
"every permission there is" once, which does not cover models created after it ran; hence
these explicit grants. `core/roles.py` stays as it is: it describes what core 0002 grants.
Reversing removes exactly these grants (from IT too, even where core 0002 already gave them).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from commonground.core.roles import IT_ADMINISTRATOR, MARKETING_EDITOR, MARKETING_PUBLISHER, VIEWER

MANAGE = ("add_trackedsite", "change_trackedsite", "delete_trackedsite", "view_trackedsite")
VIEW = ("view_trackedsite",)
GRANTS = {
    IT_ADMINISTRATOR: MANAGE,
    MARKETING_PUBLISHER: VIEW,
    MARKETING_EDITOR: VIEW,
    VIEWER: VIEW,
}


def _permissions(apps):
    """The tracked-site permissions by codename, created first if need be."""
    # Permissions are normally created after all migrations have run; the grants need them now.
    app_config = apps.get_app_config("analytics")
    # Migration state's app stubs have no models module, and create_permissions skips those.
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = models_module
    Permission = apps.get_model("auth.Permission")
    permissions = Permission.objects.filter(content_type__app_label="analytics", codename__in=MANAGE)
    by_codename = {permission.codename: permission for permission in permissions}
    if missing := set(MANAGE) - set(by_codename):
        raise LookupError(f"permissions {sorted(missing)} do not exist; cannot grant them")
    return by_codename


def _grants(apps):
    """(group, permissions) for every role that exists; a role IT has deleted gets nothing."""
    permissions = _permissions(apps)
    Group = apps.get_model("auth.Group")
    for group in Group.objects.filter(name__in=GRANTS):
        yield group, [permissions[codename] for codename in GRANTS[group.name]]


def grant(apps, schema_editor):
    for group, permissions in _grants(apps):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    for group, permissions in _grants(apps):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    # Explicit names, not "__latest__" (see core 0002): the groups must exist already.
    dependencies = [
        ("analytics", "0003_umami_website_id"),
        ("core", "0002_roles_and_approval_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
