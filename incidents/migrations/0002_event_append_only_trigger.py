"""On PostgreSQL, the database itself refuses UPDATE and DELETE of timeline events.

DELETE is allowed only inside a transaction that set `crisisdesk.purge = 'on'` (the
organisation purge after its grace period, the one legitimate removal).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION incidents_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND coalesce(current_setting('crisisdesk.purge', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'incident events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS incidents_event_append_only ON incidents_incidentevent;
CREATE TRIGGER incidents_event_append_only
    BEFORE UPDATE OR DELETE ON incidents_incidentevent
    FOR EACH ROW EXECUTE FUNCTION incidents_event_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS incidents_event_append_only ON incidents_incidentevent;
DROP FUNCTION IF EXISTS incidents_event_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
