"""Drop indexes that others already cover; writes (a large import above all) keep up fewer.

- ``companyaddress_address`` repeated the address foreign key's own index;
- the company foreign key of company addresses is covered by the unique
  (company, address, kind) index, that of people by (company, sort name).

The foreign keys' indexes are dropped by name with SQL: Django's ``AlterField``
to ``db_index=False`` would also drop the partial unique index
``companyaddress_one_contact`` on the same column and not create it again.
"""

import django.db.models.deletion
from django.db import migrations, models


def _drop(index: str, table: str, column: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        f'DROP INDEX IF EXISTS "{index}"',
        reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
    )


class Migration(migrations.Migration):
    dependencies = [
        ("companies", "0003_fax_numbers"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="companyaddress", name="companyaddress_address"),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                _drop(
                    "companies_companyaddress_company_id_2c9e330a",
                    "companies_companyaddress",
                    "company_id",
                ),
                _drop("companies_person_company_id_ade9282f", "companies_person", "company_id"),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="companyaddress",
                    name="company",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="address_links",
                        to="companies.company",
                        verbose_name="company",
                    ),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="company",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="people",
                        to="companies.company",
                        verbose_name="company",
                    ),
                ),
            ],
        ),
    ]
