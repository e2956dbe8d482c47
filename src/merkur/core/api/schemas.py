"""Input helpers shared by the API's schemas: base classes and id → record look-ups."""

import datetime
from typing import Annotated, Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import ConfigDict, Field, create_model, field_validator

from merkur.core.models import MasterData


def _no_null_characters(value):
    """Refuse NUL characters: PostgreSQL cannot store them in text columns."""
    texts = value if isinstance(value, list) else [value]
    if any(isinstance(text, str) and "\x00" in text for text in texts):
        raise ValueError(_("Null characters are not allowed."))
    return value


class InSchema(Schema):
    """Base of query-parameter schemas."""

    _no_nul = field_validator("*")(_no_null_characters)


class BodySchema(InSchema):
    """Base of request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


# A record id: bounded so that no value can overflow a database column.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def patch_schema(base: type[Schema], name: str, *, extra: dict | None = None) -> type[Schema]:
    """``base`` with every field optional (default ``None``), for PATCH bodies.

    Used with ``model_dump(exclude_unset=True)``, so only the fields the client
    sent are changed. The validators of ``base`` still apply.
    """
    fields: dict[str, Any] = {}
    for field_name, info in base.model_fields.items():
        # Constraints (``ge``, ``max_length``) live in the metadata; keep them.
        annotation = info.annotation | None
        if info.metadata:
            annotation = Annotated[annotation, *info.metadata]
        fields[field_name] = (annotation, Field(None, description=info.description))
    return create_model(name, __base__=base, **fields, **(extra or {}))


class Ref(Schema):
    """A linked record: its id and name."""

    id: int
    name: str


def ref(obj) -> dict | None:
    return None if obj is None else {"id": obj.pk, "name": str(obj)}


def refs(objects) -> list[dict]:
    return [{"id": obj.pk, "name": str(obj)} for obj in objects]


def resolve_ids(
    data: dict, models_by_field: dict[str, type[models.Model]], *, instance=None
) -> dict:
    """Replace ids in ``data`` by records; unknown ids become field errors.

    A single id (foreign key) or a list of ids (many-to-many). Deactivated
    master entries are refused unless ``instance`` already uses them, as the
    forms offer them.
    """
    resolved = dict(data)
    errors: dict[str, list[str]] = {}
    for field, model in models_by_field.items():
        if field not in data or data[field] is None:
            continue
        many = isinstance(data[field], list)
        ids = list(dict.fromkeys(data[field])) if many else [data[field]]
        found = model.objects.in_bulk(ids)
        problems = [
            _("There is no entry with id %(id)s.") % {"id": pk} for pk in ids if pk not in found
        ]
        if not problems and issubclass(model, MasterData):
            problems = _inactive(found.values(), _current_ids(instance, field, many))
        if problems:
            errors[field] = problems
        else:
            resolved[field] = [found[pk] for pk in ids] if many else found[ids[0]]
    if errors:
        raise ValidationError(errors)
    return resolved


def _current_ids(instance, field: str, many: bool) -> set:
    if instance is None or instance.pk is None:
        return set()
    if many:
        return set(getattr(instance, field).values_list("pk", flat=True))
    current = getattr(instance, f"{field}_id", None)
    return {current} if current is not None else set()


def _inactive(entries, current: set) -> list[str]:
    return [
        _("“%(name)s” is deactivated and cannot be chosen.") % {"name": entry.name}
        for entry in entries
        if not entry.is_active and entry.pk not in current
    ]


def clean_values(data: dict, model: type[models.Model]) -> dict:
    """Adapt JSON values to the model: ``null`` clears a text field, naive times get our zone."""
    result = dict(data)
    for name, value in data.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:  # e.g. a nested object: not ours to adapt
            continue
        if value is None and field.many_to_many:
            result[name] = []
        elif value is None and isinstance(field, models.CharField | models.TextField):
            if not field.null:
                result[name] = ""
        elif isinstance(value, datetime.datetime) and timezone.is_naive(value):
            result[name] = timezone.make_aware(value)
    return result
