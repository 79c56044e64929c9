"""Privacy operations: retention policies and runs, data-subject requests; all of it for IT
administrators only (the roles migration's "every permission" predates these models)."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from commonground.core.role_grants import model_role_grants
from commonground.core.roles import IT_ADMINISTRATOR

grant, revoke = model_role_grants(
    "governance",
    {
        "retentionpolicy": {IT_ADMINISTRATOR: ("change", "view")},
        "retentionrun": {IT_ADMINISTRATOR: ("view",)},
        "datasubjectrequest": {IT_ADMINISTRATOR: ("view", "handle")},
    },
)


class Migration(migrations.Migration):

    dependencies = [
        ('governance', '0003_csp_and_consent'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("core", "0002_roles_and_approval_workflow"),
    ]

    operations = [
        migrations.CreateModel(
            name='RetentionPolicy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=64, unique=True)),
                ('days', models.PositiveIntegerField(help_text='Rows older than this many days are removed by the daily retention run.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(3650)])),
                ('enabled', models.BooleanField(default=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name_plural': 'retention policies',
                'ordering': ['kind'],
                'default_permissions': ('change', 'view'),
            },
        ),
        migrations.CreateModel(
            name='DataSubjectRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reference', models.CharField(db_index=True, max_length=64)),
                ('opened_at', models.DateTimeField(auto_now_add=True)),
                ('found', models.JSONField(default=dict)),
                ('exported_at', models.DateTimeField(blank=True, null=True)),
                ('erased_at', models.DateTimeField(blank=True, null=True)),
                ('erased', models.JSONField(default=dict)),
                ('opened_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-opened_at', '-pk'],
                'permissions': [('handle_datasubjectrequest', 'Can find, export and erase personal data')],
                'default_permissions': ('view',),
            },
        ),
        migrations.CreateModel(
            name='RetentionRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('started_at', models.DateTimeField()),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('removed', models.JSONField(default=dict)),
                ('errors', models.JSONField(default=dict)),
                ('unfinished', models.JSONField(default=list)),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-started_at', '-pk'],
                'default_permissions': ('view',),
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
