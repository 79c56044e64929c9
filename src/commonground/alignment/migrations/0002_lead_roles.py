"""The two lead roles: Marketing Lead (the CMO's side) and IT Lead (the CIO's side).

Like the four roles of core 0002 they are groups every installation has. A lead may use the
admin; what a lead may do in alignment (own a side's goals and budget, accept the other
side's proposals) follows from holding the role (``alignment/sides.py``), and every role
reads everything in alignment. Reversing removes the two groups unless someone holds them.
"""

from django.db import migrations

LEADS = ("Marketing Lead", "IT Lead")


def create_leads(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    access = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    ).first()
    for name in LEADS:
        group, _ = Group.objects.get_or_create(name=name)
        if access is not None:
            group.permissions.add(access)


def remove_leads(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    Group.objects.filter(name__in=LEADS, user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("alignment", "0001_goals"),
        ("core", "0002_roles_and_approval_workflow"),
    ]

    operations = [migrations.RunPython(create_leads, remove_leads)]
