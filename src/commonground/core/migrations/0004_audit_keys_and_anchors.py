"""The keyed audit chain (issue 14): each entry's key id, the head's signature, events
written by the trail itself, and the record of anchors written outside the database.
Existing entries keep an empty key id: they verify as legacy (unkeyed) entries."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_audit_trail'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditentry',
            name='key_id',
            field=models.CharField(blank=True, default='', max_length=32),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='source',
            field=models.CharField(choices=[('page', 'page log entry'), ('model', 'model log entry'), ('event', 'audit event')], max_length=5),
        ),
        migrations.AddField(
            model_name='audithead',
            name='key_id',
            field=models.CharField(blank=True, default='', max_length=32),
        ),
        migrations.AddField(
            model_name='audithead',
            name='signature',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.CreateModel(
            name='AuditAnchor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(db_index=True)),
                ('sequence', models.PositiveBigIntegerField()),
                ('hash', models.CharField(max_length=64)),
                ('sinks', models.JSONField(default=list)),
                ('failures', models.JSONField(default=list)),
            ],
            options={
                'ordering': ['-created_at'],
                'default_permissions': (),
                'get_latest_by': 'created_at',
            },
        ),
    ]
