"""Master tables: the registry that pages and API share, and the rules every table follows.

Each app registers its master tables (``register``) in its ``AppConfig.ready``;
the master-data pages and the API are generated from this registry, so a new
table is one line here, not a new set of views.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from merkur.core.audit import record_change
from merkur.core.models import ChangeRecord, MasterData


@dataclass(frozen=True)
class MasterTable:
    slug: str  # URL and API path segment, e.g. "industries"
    model: type[MasterData]
    extra_fields: tuple[str, ...] = ()  # fields beyond name, sort order, active

    @property
    def fields(self) -> tuple[str, ...]:
        return ("name", *self.extra_fields, "sort_order", "is_active")

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name_plural)


_REGISTRY: dict[str, MasterTable] = {}


def register(slug: str, model: type[MasterData], extra_fields: tuple[str, ...] = ()) -> None:
    _REGISTRY[slug] = MasterTable(slug=slug, model=model, extra_fields=extra_fields)


def tables() -> list[MasterTable]:
    return list(_REGISTRY.values())


def table(slug: str) -> MasterTable | None:
    return _REGISTRY.get(slug)


def usage_count(entry: MasterData) -> int:
    """How many records point at ``entry`` (through any foreign key or many-to-many)."""
    total = 0
    for relation in entry._meta.related_objects:
        if relation.many_to_many or relation.one_to_many:
            accessor = relation.get_accessor_name()
            total += getattr(entry, accessor).count()
    for field in entry._meta.many_to_many:
        total += getattr(entry, field.name).count()
    return total


@transaction.atomic
def master_delete(*, entry: MasterData, by) -> None:
    """Delete an unused entry; an entry in use is refused with a message saying why."""
    used = usage_count(entry)
    if used:
        raise ValidationError(
            ngettext(
                "“%(name)s” is used by %(count)d record and cannot be deleted. "
                "Deactivate it instead.",
                "“%(name)s” is used by %(count)d records and cannot be deleted. "
                "Deactivate it instead.",
                used,
            )
            % {"name": entry.name, "count": used},
            code="in_use",
        )
    record_change(obj=entry, action=ChangeRecord.Action.DELETE, user=by)
    entry.delete()


@transaction.atomic
def master_reorder(*, model: type[MasterData], ordered_ids: list[int]) -> None:
    """Give the entries the order of ``ordered_ids`` (others keep theirs, after them)."""
    known = set(model.objects.filter(pk__in=ordered_ids).values_list("pk", flat=True))
    unknown = [pk for pk in ordered_ids if pk not in known]
    if unknown:
        raise ValidationError(_("Unknown entries: %(ids)s") % {"ids": unknown})
    for position, pk in enumerate(ordered_ids, start=1):
        model.objects.filter(pk=pk).update(sort_order=position * 10)


def choices_for(model: type[MasterData], *, current: models.QuerySet | list | None = None):
    """Active entries, plus the inactive ones a record already uses (so editing keeps them)."""
    query = models.Q(is_active=True)
    if current:
        query |= models.Q(pk__in=[getattr(c, "pk", c) for c in current])
    return model.objects.filter(query)
