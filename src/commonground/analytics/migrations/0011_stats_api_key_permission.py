"""Creating a Stats API key becomes a permission IT grants (issue 14, point 10): a key reads
every tracked site's analytics, so ``analytics.add_statsapikey`` goes to IT Administrator
only; IT gives it to whoever else needs a key, in the group editor. Keys made before keep
working until revoked (IT lists and revokes everyone's)."""

from django.db import migrations

from commonground.core.role_grants import role_grants
from commonground.core.roles import STATS_API_KEY_CREATORS

grant, revoke = role_grants(
    "statsapikey", {role: ("add_statsapikey",) for role in STATS_API_KEY_CREATORS}
)


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0010_stats_api_keys_are_wagtail_tokens"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="statsapikey",
            options={
                "default_permissions": (),
                "ordering": ["-token__created", "-token_id"],
                "permissions": [
                    ("add_statsapikey", "Can create Stats API keys (they read analytics)")
                ],
                "verbose_name": "API key",
                "verbose_name_plural": "API keys",
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
