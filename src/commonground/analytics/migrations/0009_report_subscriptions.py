"""Weekly report subscriptions and deliveries; who may manage goals and saved segments.

Marketing Publisher, Marketing Editor and IT may add, change and delete goals and segments
(deciding what counts as a conversion is marketing's job); the Viewer may look at them only.
Report subscriptions need no model permission: every user manages their own, if they may see
the dashboard. Explicit grants, as in 0004, 0006 and 0008; reversing removes exactly these.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from commonground.core.role_grants import role_grants
from commonground.core.roles import IT_ADMINISTRATOR, MARKETING_EDITOR, MARKETING_PUBLISHER, VIEWER


def _grants(model_name):
    manage = tuple(f"{action}_{model_name}" for action in ("add", "change", "delete", "view"))
    return role_grants(
        model_name,
        {
            IT_ADMINISTRATOR: manage,
            MARKETING_PUBLISHER: manage,
            MARKETING_EDITOR: manage,
            VIEWER: (f"view_{model_name}",),
        },
    )


grant_goals, revoke_goals = _grants("goal")
grant_segments, revoke_segments = _grants("segment")


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0008_api_keys'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        # Explicit names, not "__latest__" (see core 0002): the groups must exist already.
        ("core", "0002_roles_and_approval_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name='ReportDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('week_start', models.DateField(help_text='The Monday the reported week began (site time).')),
                ('claimed_at', models.DateTimeField()),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('site', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='analytics.trackedsite')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='report_deliveries', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-week_start', 'site', 'user'],
                'constraints': [models.UniqueConstraint(fields=('user', 'site', 'week_start'), name='report_delivery_once_a_week')],
            },
        ),
        migrations.CreateModel(
            name='ReportSubscription',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('site', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='report_subscriptions', to='analytics.trackedsite')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='report_subscriptions', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['site', 'user'],
                'constraints': [models.UniqueConstraint(fields=('user', 'site'), name='report_subscription_unique')],
            },
        ),
        migrations.RunPython(grant_goals, revoke_goals),
        migrations.RunPython(grant_segments, revoke_segments),
    ]
