"""The Viewer reads the whole page tree (issue 15, point 5): ``view_page`` on the root page,
which core/pages/read_only_policy.py turns into the explorer without any edit action."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from commonground.core.roles import VIEWER

CODENAME = "view_page"


def _grant_rows(apps):
    app_config = apps.get_app_config("wagtailcore")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = models_module
    Group = apps.get_model("auth.Group")
    Page = apps.get_model("wagtailcore.Page")
    Permission = apps.get_model("auth.Permission")
    permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=CODENAME)
    root = Page.objects.filter(depth=1).first()
    # A Viewer role IT has deleted gets nothing.
    return Group.objects.filter(name=VIEWER), root, permission


def grant(apps, schema_editor):
    GroupPagePermission = apps.get_model("wagtailcore.GroupPagePermission")
    groups, root, permission = _grant_rows(apps)
    for group in groups:
        GroupPagePermission.objects.get_or_create(group=group, page=root, permission=permission)


def revoke(apps, schema_editor):
    GroupPagePermission = apps.get_model("wagtailcore.GroupPagePermission")
    groups, root, permission = _grant_rows(apps)
    GroupPagePermission.objects.filter(group__in=groups, page=root, permission=permission).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_audit_keys_and_anchors"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
