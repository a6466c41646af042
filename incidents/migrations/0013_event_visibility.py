"""Every timeline event gets a visibility; the events already written take their kind's
default (incidents.models.EVENT_KINDS as it stood when this migration was written: a later
change of a default does not rewrite history). The append-only trigger is switched off for
this one UPDATE, inside the migration's transaction."""

from django.db import migrations, models

CLIENT_KINDS = (
    "created",
    "acknowledged",
    "status_changed",
    "severity_changed",
    "sla_breached",
    "response_client_approved",
    "response_published",
    "postmortem_approved",
)


def forwards(apps, schema_editor):
    IncidentEvent = apps.get_model("incidents", "IncidentEvent")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(
            "ALTER TABLE incidents_incidentevent DISABLE TRIGGER incidents_event_append_only"
        )
    IncidentEvent.objects.filter(kind__in=CLIENT_KINDS).update(visibility="client")
    if postgres:
        schema_editor.execute(
            "ALTER TABLE incidents_incidentevent ENABLE TRIGGER incidents_event_append_only"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0012_sources"),
    ]

    operations = [
        migrations.AddField(
            model_name="incidentevent",
            name="visibility",
            field=models.CharField(
                choices=[("internal", "Internal"), ("client", "Visible to the client")],
                default="internal",
                max_length=8,
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
