"""The relationship pulse's tables: rounds, who answered (participation), what was answered
(tallies: counts per round, side, statement and score, never a person), the invitations sent."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('alignment', '0005_budget'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PulseRound',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('quarter', models.CharField(help_text='e.g. 2026-Q4', max_length=7, unique=True)),
                ('opens_on', models.DateField()),
                ('closes_on', models.DateField()),
                ('status', models.CharField(choices=[('open', 'Open'), ('closed', 'Closed')], default='open', max_length=6)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('opened_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-quarter'],
            },
        ),
        migrations.CreateModel(
            name='PulseParticipation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('side', models.CharField(choices=[('marketing', 'Marketing'), ('it', 'IT')], max_length=10)),
                ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='participations', to='alignment.pulseround')),
            ],
        ),
        migrations.CreateModel(
            name='PulseInvitation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('side', models.CharField(choices=[('marketing', 'Marketing'), ('it', 'IT')], max_length=10)),
                ('claimed_at', models.DateTimeField()),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to='alignment.pulseround')),
            ],
        ),
        migrations.CreateModel(
            name='PulseTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('side', models.CharField(choices=[('marketing', 'Marketing'), ('it', 'IT')], max_length=10)),
                ('statement', models.CharField(help_text="A statement's key (pulse/statements.py).", max_length=40)),
                ('score', models.PositiveSmallIntegerField()),
                ('count', models.PositiveIntegerField(default=0)),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tallies', to='alignment.pulseround')),
            ],
            options={
                'ordering': ['round', 'side', 'statement', 'score'],
            },
        ),
        migrations.AddConstraint(
            model_name='pulseround',
            constraint=models.CheckConstraint(condition=models.Q(('closes_on__gte', models.F('opens_on'))), name='alignment_pulse_round_dates_ordered'),
        ),
        migrations.AddConstraint(
            model_name='pulseparticipation',
            constraint=models.UniqueConstraint(fields=('round', 'user'), name='alignment_pulse_answer_once'),
        ),
        migrations.AddConstraint(
            model_name='pulseinvitation',
            constraint=models.UniqueConstraint(fields=('round', 'user'), name='alignment_pulse_invite_once'),
        ),
        migrations.AddConstraint(
            model_name='pulsetally',
            constraint=models.UniqueConstraint(fields=('round', 'side', 'statement', 'score'), name='alignment_pulse_tally_once'),
        ),
        migrations.AddConstraint(
            model_name='pulsetally',
            constraint=models.CheckConstraint(condition=models.Q(('score__gte', 1), ('score__lte', 5)), name='alignment_pulse_tally_score_on_scale'),
        ),
    ]
