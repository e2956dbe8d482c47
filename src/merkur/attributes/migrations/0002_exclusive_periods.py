"""PostgreSQL: periods of a single-valued attribute on one record never overlap.

An exclusion constraint over ``daterange(valid_from, valid_to, '[]')`` per
(attribute, company) and per (attribute, person); ``btree_gist`` lets the GiST
index compare the ids with ``=``. SQLite has no such constraint: there the
services check the periods (``attributes/services.py``), as they do on
PostgreSQL too, to name the conflicting period in the message.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINTS = {
    "attributevalue_company_periods_disjoint": "company_id",
    "attributevalue_person_periods_disjoint": "person_id",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, owner in CONSTRAINTS.items():
        schema_editor.execute(
            f"ALTER TABLE attributes_attributevalue ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"(definition_id WITH =, {owner} WITH =, "
            f"daterange(valid_from, valid_to, '[]') WITH &&) "
            f"WHERE (exclusive AND {owner} IS NOT NULL)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE attributes_attributevalue DROP CONSTRAINT {name}")


class Migration(migrations.Migration):
    dependencies = [("attributes", "0001_initial")]

    operations = [BtreeGistExtension(), migrations.RunPython(create, drop, elidable=False)]
