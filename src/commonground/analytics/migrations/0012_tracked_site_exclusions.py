"""Tracked sites can leave out signed-in staff (on by default) and a list of networks (issue 15, point 2)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0011_stats_api_key_permission'),
    ]

    operations = [
        migrations.AddField(
            model_name='trackedsite',
            name='exclude_staff',
            field=models.BooleanField(default=True, help_text="When on, page views and events from people who use this admin are not counted on this site's own pages (their browser is marked when they open the admin).", verbose_name='leave out signed-in staff'),
        ),
        migrations.AddField(
            model_name='trackedsite',
            name='excluded_networks',
            field=models.TextField(blank=True, default='', help_text='One IP address or network a line, IPv4 or IPv6, e.g. 203.0.113.7 or 2001:db8::/32 (the office, an agency). Their visits are not counted.', verbose_name='excluded addresses and networks'),
        ),
    ]
