"""Master tables: the registry that pages and API share, and the rules every table follows.

Each app registers its master tables (``register``) in its ``AppConfig.ready``;
the master-data pages and the API are generated from this registry, so a new
table is one line here, not a new set of views.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from merkur.core.audit import diff, record_change, snapshot
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
    # Locked first: a record taking up the entry meanwhile waits, and then
    # either sees it gone or makes the delete fail below instead of losing a link.
    entry = type(entry).objects.select_for_update().get(pk=entry.pk)
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
    try:
        with transaction.atomic():
            entry.delete()
    except (ProtectedError, RestrictedError):
        raise ValidationError(
            _("“%(name)s” has just been taken into use and cannot be deleted.")
            % {"name": entry.name},
            code="in_use",
        ) from None


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


# --- maintaining entries in the app (pages and API share these) ---------------------------


def _refers_to_name(constraint: models.BaseConstraint) -> bool:
    if not isinstance(constraint, models.UniqueConstraint):
        return False
    if "name" in constraint.fields:
        return True
    for expression in constraint.expressions:
        # A plain field name in the constraint is an ``F`` without ``flatten``.
        parts = expression.flatten() if hasattr(expression, "flatten") else [expression]
        for part in parts:
            if isinstance(part, models.F) and part.name == "name":
                return True
    return False


def check_unique_name(entry: MasterData) -> None:
    """Raise a field error on ``name`` if another entry already has this name.

    Asks the model's own unique constraints (case-insensitive on ``Lower(name)``,
    perhaps per parent on two-level tables), so the check means exactly what the
    database enforces — on SQLite and PostgreSQL alike.
    """
    if not entry.name:
        return
    for constraint in entry._meta.constraints:
        if not _refers_to_name(constraint):
            continue
        try:
            constraint.validate(type(entry), entry)
        except ValidationError:
            raise ValidationError(
                {
                    "name": ValidationError(
                        _("An entry named “%(name)s” already exists.") % {"name": entry.name},
                        code="unique",
                    )
                }
            ) from None


def _validate_entry(entry: MasterData) -> None:
    errors: dict[str, list] = {}
    try:
        check_unique_name(entry)
    except ValidationError as error:
        errors.update(error.error_dict)
    try:
        entry.full_clean(exclude=set(errors))
    except ValidationError as error:
        for name, messages in error.error_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _save_entry(entry: MasterData) -> None:
    """Save; a concurrent duplicate that slipped past validation becomes a field error."""
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        check_unique_name(entry)
        raise


def _assign_fields(entry: MasterData, data: dict) -> None:
    for name, value in data.items():
        entry._meta.get_field(name)  # unknown field names are a programming error
        setattr(entry, name, value)


def _audit_fields(model: type[MasterData]) -> list[str]:
    return [
        field.name
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name != "sort_order"
    ]


@transaction.atomic
def master_create(*, model: type[MasterData], data: dict, by) -> MasterData:
    """Add an entry; without a given ``sort_order`` it goes to the end of the list."""
    entry = model()
    _assign_fields(entry, data)
    if "sort_order" not in data:
        last = model.objects.aggregate(last=models.Max("sort_order"))["last"]
        entry.sort_order = (last or 0) + 10
    _validate_entry(entry)
    _save_entry(entry)
    after = snapshot(entry, _audit_fields(model))
    record_change(
        obj=entry,
        action=ChangeRecord.Action.CREATE,
        user=by,
        changes={name: [None, value] for name, value in after.items()},
    )
    return entry


@transaction.atomic
def master_update(*, entry: MasterData, data: dict, by) -> MasterData:
    """Rename an entry or change its other fields; records old → new."""
    model = type(entry)
    # Read the stored row: the caller's object may already carry the new values
    # (a ModelForm writes them onto its instance while validating).
    entry = model.objects.select_for_update().get(pk=entry.pk)
    fields = _audit_fields(model)
    before = snapshot(entry, fields)
    _assign_fields(entry, data)
    _validate_entry(entry)
    _save_entry(entry)
    changes = diff(before, snapshot(entry, fields))
    if changes:
        record_change(obj=entry, action=ChangeRecord.Action.UPDATE, user=by, changes=changes)
    return entry


@transaction.atomic
def master_set_active(*, entry: MasterData, active: bool, by) -> MasterData:
    """(De)activate an entry. Inactive ones stay on records but are not offered any more."""
    entry = type(entry).objects.select_for_update().get(pk=entry.pk)
    if entry.is_active != active:
        type(entry).objects.filter(pk=entry.pk).update(is_active=active)
        record_change(
            obj=entry,
            action=ChangeRecord.Action.UPDATE,
            user=by,
            changes={"is_active": [entry.is_active, active]},
        )
        entry.is_active = active
    return entry


@transaction.atomic
def master_move(*, entry: MasterData, direction: str) -> bool:
    """Swap ``entry`` with its neighbour above (``"up"``) or below (``"down"``).

    Entries with equal ``sort_order`` (e.g. all 0 after an import) are first
    numbered in their shown order, so a move always does what the user sees.
    Returns False when the entry is already first/last.
    """
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', not {direction!r}")
    model = type(entry)
    rows = list(
        model.objects.select_for_update()
        .order_by("sort_order", "name", "pk")
        .values_list("pk", "sort_order")
    )
    ids = [pk for pk, _order in rows]
    if entry.pk not in ids:  # deleted meanwhile
        raise model.DoesNotExist
    index = ids.index(entry.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ids):
        return False
    ids[index], ids[other] = ids[other], ids[index]
    current = dict(rows)
    for position, pk in enumerate(ids, start=1):
        # Only rows whose number changes are written: after the first move that
        # is just the two swapped ones.
        if current[pk] != position * 10:
            model.objects.filter(pk=pk).update(sort_order=position * 10)
    return True


def _usage_sources(model: type[MasterData]):
    """(queryset, column) pairs whose rows each count as one use of an entry.

    The same relations as ``usage_count``: reverse foreign keys, and
    many-to-many links in either direction (counted as rows of the link table).
    """
    for relation in model._meta.related_objects:
        if relation.many_to_many:
            link = relation.field
            through = link.remote_field.through
            yield through._default_manager.all(), link.m2m_reverse_field_name()
        elif relation.one_to_many:
            related = relation.related_model
            yield related._default_manager.all(), relation.field.name
    for link in model._meta.many_to_many:
        yield link.remote_field.through._default_manager.all(), link.m2m_field_name()


def with_usage(queryset: models.QuerySet) -> models.QuerySet:
    """Annotate ``usage`` (what ``usage_count`` says) on every entry, in one query."""
    total = models.Value(0)
    for source, column in _usage_sources(queryset.model):
        count = (
            source.filter(**{column: models.OuterRef("pk")})
            .order_by()
            .values(column)
            .annotate(n=models.Count("*"))
            .values("n")
        )
        total = total + Coalesce(models.Subquery(count), models.Value(0))
    return queryset.annotate(usage=models.ExpressionWrapper(total, models.IntegerField()))
