"""On PostgreSQL, every insert into the timeline NOTIFYs `crisisdesk_events` (delivered when the
inserting transaction commits) so that each ASGI process's event relay wakes at once
(incidents/realtime.py). One notification per statement, without a payload: the relay reads
the table itself."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION incidents_event_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('crisisdesk_events', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS incidents_event_notify ON incidents_incidentevent;
CREATE TRIGGER incidents_event_notify
    AFTER INSERT ON incidents_incidentevent
    FOR EACH STATEMENT EXECUTE FUNCTION incidents_event_notify();
"""

DROP = """
DROP TRIGGER IF EXISTS incidents_event_notify ON incidents_incidentevent;
DROP FUNCTION IF EXISTS incidents_event_notify();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0013_event_visibility")]
    operations = [migrations.RunPython(forwards, backwards)]
