"""Saved segments may be their author's own (issue 15): listed only on their dashboard."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("analytics", "0012_tracked_site_exclusions")]

    operations = [
        migrations.AddField(
            model_name="segment",
            name="shared",
            field=models.BooleanField(
                default=True,
                help_text="Listed on everyone's dashboard; otherwise only its author's.",
            ),
        ),
    ]
