"""Change history: snapshots of a record's fields and one ``ChangeRecord`` per change.

Services call ``record_change`` explicitly after a write; nothing is recorded
behind their back by signals.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from merkur.core.models import ChangeRecord


def _plain(value):
    """A JSON-friendly, human-readable form of a field value."""
    if value is None:
        return None
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return sorted(str(item) for item in value)
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict:
    """Read ``fields`` of ``obj`` (many-to-many ones as sorted name lists)."""
    result = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            value = [str(item) for item in getattr(obj, name).all()] if obj.pk else []
        else:
            value = getattr(obj, name)
            if field.choices and value not in (None, ""):
                value = getattr(obj, f"get_{name}_display")()
        result[name] = _plain(value)
    return result


def field_label(model, key: str) -> str:
    """The label of a history key: the field's verbose name, a relation's plural
    name (``attachments`` → "Anhänge"), or the key itself (already a label)."""
    if model is None:
        return key
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return key
    label = getattr(field, "verbose_name", None)
    if label is None and field.related_model is not None:
        label = field.related_model._meta.verbose_name_plural
    return str(label or key)


def diff(before: dict, after: dict) -> dict:
    """``{field: [old, new]}`` for every field whose value changed."""
    return {
        name: [before.get(name), after.get(name)]
        for name in after
        if before.get(name) != after.get(name)
    }


def record_change(
    *,
    obj: models.Model,
    action: str,
    user,
    changes: dict | None = None,
    company=None,
) -> ChangeRecord:
    return ChangeRecord.objects.create(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        company=company,
        action=action,
        changes=changes or {},
        version=getattr(obj, "version", None),
        user=user if user is not None and user.is_authenticated else None,
    )


def history_of(obj: models.Model):
    """The change records of one object, newest first."""
    return ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
    ).select_related("user", "content_type")
