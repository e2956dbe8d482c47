"""The database's indexes: every foreign key can be followed backwards."""

import pytest
from django.apps import apps
from django.db import connection


def merkur_models():
    for model in apps.get_models(include_auto_created=True):
        if model.__module__.startswith("merkur.") and model._meta.managed:
            yield model


def indexes_of(table: str) -> list[tuple[str, ...]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return [
        tuple(info["columns"])
        for info in found.values()
        if (info["index"] or info["unique"] or info["primary_key"]) and info["columns"]
    ]


@pytest.mark.django_db
def test_every_foreign_key_leads_an_index():
    # Deleting a referenced row (a company, a master table entry) and following a
    # relation backwards must not scan the referencing table. An index may serve
    # several purposes: dropping one a foreign key relies on fails here.
    missing = []
    for model in merkur_models():
        leading = {columns[0] for columns in indexes_of(model._meta.db_table)}
        for field in model._meta.concrete_fields:
            if field.is_relation and field.column not in leading:
                missing.append(f"{model._meta.db_table}.{field.column}")
    assert missing == []
