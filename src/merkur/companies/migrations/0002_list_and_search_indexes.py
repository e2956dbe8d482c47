"""Indexes Django's model options cannot express.

On every database: the many-to-many link tables get ``(industry, company)``
indexes, so "companies in industry X" is read from the index alone.

On PostgreSQL:
- a stored ``search_vector`` column generated from ``search_text`` with a GIN
  index, for companies and people, which answers ``search_text__words`` (see
  ``merkur.core.search``);
- pattern-ops indexes for the postal-code prefix and the case-insensitive city
  prefix, which ``LIKE 'x%'`` can use under any database collation; the postal
  one carries ``archived_at`` so the usual "not archived" condition is checked
  in the index, too.
"""

from django.db import migrations

from merkur.core.search import vector_column_sql

BOTH = {
    "companies_company_industries_by_industry": (
        "companies_company_industries (industry_id, company_id)"
    ),
    "companies_company_interest_areas_by_area": (
        "companies_company_interest_areas (interestarea_id, company_id)"
    ),
}
SEARCHED_TABLES = ["companies_company", "companies_person"]
POSTGRESQL = {
    "companies_company_postal_like": (
        "companies_company (postal_code varchar_pattern_ops, id) INCLUDE (archived_at)"
    ),
    "companies_company_city_like": "companies_company (UPPER(city::text) text_pattern_ops)",
}


def _indexes(schema_editor) -> dict[str, str]:
    if schema_editor.connection.vendor == "postgresql":
        return {**BOTH, **POSTGRESQL}
    return BOTH


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in SEARCHED_TABLES:
            for statement in vector_column_sql(table):
                schema_editor.execute(statement)
    for name, target in _indexes(schema_editor).items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop(apps, schema_editor):
    for name in _indexes(schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    if schema_editor.connection.vendor == "postgresql":
        for table in SEARCHED_TABLES:
            schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("companies", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
