"""The stored search vector of contacts (PostgreSQL only; see ``merkur.core.search``)."""

from django.db import migrations

from merkur.core.search import VECTOR_COLUMN, vector_column_sql

TABLE = "journal_contact"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in vector_column_sql(TABLE):
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS {VECTOR_COLUMN}")


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
