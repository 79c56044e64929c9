"""The newsletter's brand (name and logo per site), a site setting marketing and IT edit."""

import django.db.models.deletion
from django.db import migrations, models

from commonground.core.role_grants import model_role_grants
from commonground.core.roles import IT_ADMINISTRATOR, MARKETING_PUBLISHER

grant, revoke = model_role_grants(
    "distribution",
    {"brand": {IT_ADMINISTRATOR: ("change",), MARKETING_PUBLISHER: ("change",)}},
)


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0003_rich_text_refuses_code"),
        ("distribution", "0006_erased_addresses"),
        ("wagtailcore", "0098_apitoken"),
        ("core", "0002_roles_and_approval_workflow"),
    ]

    operations = [
        migrations.CreateModel(
            name="Brand",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        blank=True,
                        help_text="Shown at the top of every newsletter; the site's name if empty.",
                        max_length=120,
                    ),
                ),
                (
                    "logo",
                    models.ForeignKey(
                        blank=True,
                        help_text="Shown next to the name, about 40 pixels high.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="content.contentimage",
                    ),
                ),
                (
                    "site",
                    models.OneToOneField(
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="wagtailcore.site",
                    ),
                ),
            ],
            options={"verbose_name": "Brand"},
        ),
        migrations.RunPython(grant, revoke),
    ]
