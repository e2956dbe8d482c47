"""Drop the change records' own indexes on content type and company.

The indexes (content type, object, time) and (company, time) start with those
columns and serve every look-up; the single-column ones only slowed down each
write (an import writes one change record per new company and person). Dropped
by name with SQL, as in ``companies.0004``: ``AlterField`` would drop and
re-create the foreign keys and check every row again.
"""

import django.db.models.deletion
from django.db import migrations, models


def _drop(index: str, column: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        f'DROP INDEX IF EXISTS "{index}"',
        reverse_sql=f'CREATE INDEX "{index}" ON "core_changerecord" ("{column}")',
    )


class Migration(migrations.Migration):
    dependencies = [
        ("companies", "0004_drop_redundant_indexes"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                _drop("core_changerecord_company_id_1bf5d930", "company_id"),
                _drop("core_changerecord_content_type_id_8ffaa8a5", "content_type_id"),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="changerecord",
                    name="company",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="change_records",
                        to="companies.company",
                    ),
                ),
                migrations.AlterField(
                    model_name="changerecord",
                    name="content_type",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="contenttypes.contenttype",
                    ),
                ),
            ],
        ),
    ]
