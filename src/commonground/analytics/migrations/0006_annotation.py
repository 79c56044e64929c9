"""Annotations on the dashboard's graph, and who may see the dashboard and write notes.

Every role may view the dashboard (the Viewer role exists to see the numbers). Editors,
publishers and IT may add notes; publishers and IT may delete them. As in 0004, the grants
are explicit because core 0002's "every permission" for IT covered only the models that
existed when it ran. Reversing removes exactly these grants.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from commonground.core.role_grants import role_grants
from commonground.core.roles import IT_ADMINISTRATOR, MARKETING_EDITOR, MARKETING_PUBLISHER, VIEWER

ALL = (
    "view_dashboard",
    "view_annotation",
    "add_annotation",
    "change_annotation",
    "delete_annotation",
)
GRANTS = {
    IT_ADMINISTRATOR: ALL,
    MARKETING_PUBLISHER: ("view_dashboard", "view_annotation", "add_annotation", "delete_annotation"),
    MARKETING_EDITOR: ("view_dashboard", "view_annotation", "add_annotation"),
    VIEWER: ("view_dashboard", "view_annotation"),
}


grant, revoke = role_grants("annotation", GRANTS)


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0005_goal'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        # Explicit names, not "__latest__" (see core 0002): the groups must exist already.
        ("core", "0002_roles_and_approval_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name='Annotation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(help_text="The day, in the site's time zone.")),
                ('text', models.CharField(max_length=200)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('site', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='annotations', to='analytics.trackedsite')),
            ],
            options={
                'ordering': ['site', 'date', 'created_at'],
                'permissions': [('view_dashboard', 'Can view the analytics dashboard')],
                'indexes': [models.Index(fields=['site', 'date'], name='annotation_site_date')],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
