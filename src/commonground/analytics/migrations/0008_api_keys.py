"""Stats API keys and their rate-limit windows; who may hold keys and who manages everyone's.

Every role may create, list and revoke its own keys (``add_apikey``); IT may also list and
revoke everyone's (``view_apikey``, ``delete_apikey``; ``change_apikey`` for completeness, it
grants nothing). Creating a key also needs ``view_dashboard`` (0006). Explicit grants, as in
0004 and 0006; reversing removes exactly these.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from commonground.core.role_grants import role_grants
from commonground.core.roles import IT_ADMINISTRATOR, MARKETING_EDITOR, MARKETING_PUBLISHER, VIEWER

OWN = ("add_apikey",)
EVERYONES = ("add_apikey", "change_apikey", "delete_apikey", "view_apikey")
GRANTS = {IT_ADMINISTRATOR: EVERYONES, MARKETING_PUBLISHER: OWN, MARKETING_EDITOR: OWN, VIEWER: OWN}

grant, revoke = role_grants("apikey", GRANTS)


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0007_segment'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        # Explicit names, not "__latest__" (see core 0002): the groups must exist already.
        ("core", "0002_roles_and_approval_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiKey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='What the key is for, e.g. “BI dashboard”.', max_length=120)),
                ('prefix', models.CharField(editable=False, max_length=16, unique=True)),
                ('secret_hash', models.CharField(editable=False, max_length=64)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('last_used_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('sites', models.ManyToManyField(help_text='The sites this key may read.', related_name='api_keys', to='analytics.trackedsite')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='analytics_api_keys', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'API key',
                'verbose_name_plural': 'API keys',
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='ApiKeyRateWindow',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('period_seconds', models.PositiveIntegerField()),
                ('window_start', models.BigIntegerField()),
                ('count', models.PositiveIntegerField()),
                ('api_key', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rate_windows', to='analytics.apikey')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('api_key', 'period_seconds'), name='unique_api_key_rate_window')],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
