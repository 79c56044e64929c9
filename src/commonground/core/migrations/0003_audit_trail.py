"""The audit trail: its tables, the chaining of every log entry written before it existed, and
the permission to read it, granted to IT Administrators."""

from django.db import migrations, models

from commonground.core.role_grants import role_grants
from commonground.core.audit.backfill import chain_existing_log_entries
from commonground.core.roles import IT_ADMINISTRATOR

grant, revoke = role_grants(
    "auditentry", {IT_ADMINISTRATOR: ("view_audit_trail",)}, app_label="core"
)


def chain_existing(apps, schema_editor):
    chain_existing_log_entries(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_roles_and_approval_workflow'),
        # Every log entry table and column the chaining reads.
        ('wagtailcore', '0098_apitoken'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditEntry',
            fields=[
                ('sequence', models.PositiveBigIntegerField(primary_key=True, serialize=False)),
                ('source', models.CharField(choices=[('page', 'page log entry'), ('model', 'model log entry')], max_length=5)),
                ('source_id', models.BigIntegerField()),
                ('timestamp', models.DateTimeField(db_index=True)),
                ('actor_id', models.CharField(blank=True, max_length=255, null=True)),
                ('actor', models.CharField(db_index=True, max_length=255)),
                ('action', models.CharField(db_index=True, max_length=255)),
                ('object_type', models.CharField(blank=True, db_index=True, max_length=255)),
                ('object_id', models.CharField(blank=True, max_length=255)),
                ('object_title', models.TextField(blank=True)),
                ('data', models.TextField(default='{}')),
                ('previous_hash', models.CharField(max_length=64)),
                ('hash', models.CharField(max_length=64)),
            ],
            options={
                'verbose_name': 'audit entry',
                'verbose_name_plural': 'audit entries',
                'ordering': ['-sequence'],
                'permissions': [('view_audit_trail', 'Can view the audit trail')],
                'default_permissions': (),
                'constraints': [models.UniqueConstraint(fields=('source', 'source_id'), name='audit_entry_unique_source')],
            },
        ),
        migrations.CreateModel(
            name='AuditHead',
            fields=[
                ('id', models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ('sequence', models.PositiveBigIntegerField(default=0)),
                ('hash', models.CharField(default='0000000000000000000000000000000000000000000000000000000000000000', max_length=64)),
            ],
            options={
                'default_permissions': (),
                'constraints': [models.CheckConstraint(condition=models.Q(('id', 1)), name='audit_head_single_row')],
            },
        ),
        # Runs after the tables exist, in the same migration: nothing is logged in between.
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.RunPython(grant, revoke),
    ]
