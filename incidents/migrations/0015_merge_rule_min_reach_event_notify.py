"""Joins two migrations that landed side by side (the reach rule and the event trigger)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0014_event_notify_trigger"),
        ("incidents", "0014_rule_min_reach"),
    ]

    operations = []
