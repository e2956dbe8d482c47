"""PostgreSQL-only indexes: trigram search and prefix filters.

``search_text LIKE '%term%'`` is answered from a GIN trigram index instead of a
scan. SQLite has no such index; there the search scans the folded column, which
is fast enough at the sizes SQLite is meant for.
"""

from django.db import migrations

TABLES = ["companies_company", "companies_person"]
PREFIX_INDEXES = {
    "companies_company_postal_like": "companies_company (postal_code varchar_pattern_ops, id)",
    "companies_company_city_like": "companies_company (UPPER(city::text) text_pattern_ops)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table in TABLES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_search_trgm "
            f"ON {table} USING gin (search_text gin_trgm_ops)"
        )
    for name, target in PREFIX_INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_trgm")
    for name in PREFIX_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("companies", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
