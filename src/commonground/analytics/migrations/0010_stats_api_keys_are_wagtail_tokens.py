"""Stats API keys become Wagtail API tokens (``wagtailcore.APIToken``) plus the sites they read.

The old keys cannot be carried over: they were kept as a SHA-256 of their secret, a token as
an HMAC of its whole ``wagtail_…`` text under SECRET_KEY, and neither key's text was stored,
so no old key could authenticate as a token. No release shipped them, so their tables are
dropped (their audit entries stay, with their labels) and so are their permissions, which would
grant nothing. Who may hold keys is now Wagtail's token permissions: every role may create and
revoke its own (``add_apitoken``, ``delete_apitoken``), and whoever may change users (IT, since
core 0002) manages everyone's. Reversing restores the old tables, empty, with 0008's grants.
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

from commonground.core.role_grants import role_grants
from commonground.core.roles import IT_ADMINISTRATOR, MARKETING_EDITOR, MARKETING_PUBLISHER, VIEWER

OWN_TOKENS = ("add_apitoken", "delete_apitoken")
GRANTS = {
    role: OWN_TOKENS for role in (IT_ADMINISTRATOR, MARKETING_PUBLISHER, MARKETING_EDITOR, VIEWER)
}

grant, revoke = role_grants("apitoken", GRANTS, app_label="wagtailcore")
# A module name starting with a digit cannot be imported with an import statement.
api_keys_0008 = importlib.import_module("commonground.analytics.migrations.0008_api_keys")


def delete_old_key_permissions(apps, schema_editor):
    Permission = apps.get_model("auth.Permission")
    Permission.objects.filter(
        content_type__app_label="analytics", content_type__model__in=["apikey", "apikeyratewindow"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0009_report_subscriptions"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.RunPython(delete_old_key_permissions, api_keys_0008.grant),
        # The rate windows first: they refer to the keys.
        migrations.DeleteModel(
            name="ApiKeyRateWindow",
        ),
        migrations.DeleteModel(
            name="ApiKey",
        ),
        migrations.CreateModel(
            name="StatsApiKey",
            fields=[
                (
                    "token",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="stats_api_key",
                        serialize=False,
                        to="wagtailcore.apitoken",
                    ),
                ),
                (
                    "sites",
                    models.ManyToManyField(
                        help_text="The sites this key may read.",
                        related_name="stats_api_keys",
                        to="analytics.trackedsite",
                    ),
                ),
            ],
            options={
                "verbose_name": "API key",
                "verbose_name_plural": "API keys",
                "ordering": ["-token__created", "-token_id"],
                "default_permissions": (),
            },
        ),
        migrations.CreateModel(
            name="StatsApiRateWindow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("period_seconds", models.PositiveIntegerField()),
                ("window_start", models.BigIntegerField()),
                ("count", models.PositiveIntegerField()),
                (
                    "key",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rate_windows",
                        to="analytics.statsapikey",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("key", "period_seconds"), name="unique_stats_api_rate_window"
                    )
                ],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
