"""Writing attribute values with validity periods, and maintaining definitions.

History is never overwritten: ``value_set`` closes the period of the value it
follows the day before; ``value_correct`` fixes a wrong entry in place and
records the correction (old → new) in the change history.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from merkur.attributes.models import (
    AttributeChoice,
    AttributeDefinition,
    AttributeType,
    AttributeValue,
)
from merkur.attributes.values import parse_value
from merkur.core.audit import diff, record_change, snapshot
from merkur.core.locking import lock_for_update
from merkur.core.models import ChangeRecord

Action = ChangeRecord.Action
ONE_DAY = datetime.timedelta(days=1)


def _owner_field(record) -> str:
    return "company" if record._meta.model_name == "company" else "person"


def _company_of(record):
    return record if record._meta.model_name == "company" else record.company


def _period(value: AttributeValue) -> str:
    start = formats.date_format(value.valid_from, "SHORT_DATE_FORMAT")
    if value.valid_to is None:
        return _("from %(start)s, open end") % {"start": start}
    end = formats.date_format(value.valid_to, "SHORT_DATE_FORMAT")
    return _("%(start)s – %(end)s") % {"start": start, "end": end}


def _check_applies(definition: AttributeDefinition, record) -> None:
    owner = _owner_field(record)
    if (owner == "company" and not definition.for_companies) or (
        owner == "person" and not definition.for_people
    ):
        raise ValidationError(_("This attribute does not apply to this kind of record."))
    if not definition.is_active:
        raise ValidationError(_("This attribute is deactivated."))


def _check_period(valid_from, valid_to) -> None:
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The period cannot end before it starts.")})


def _siblings(definition, record):
    """The record's rows of this attribute, locked for the rest of the transaction."""
    return AttributeValue.objects.select_for_update(of=("self",)).filter(
        definition=definition, **{_owner_field(record): record}
    )


def _overlap_error(other: AttributeValue) -> ValidationError:
    return ValidationError(
        {
            "valid_from": _("This period overlaps the value “%(value)s” valid %(period)s.")
            % {"value": display(other), "period": _period(other)}
        }
    )


def _check_no_overlap(rows, *, start, end, exclude_pk=None) -> None:
    for other in rows:
        if other.pk == exclude_pk:
            continue
        ends_before = end is not None and end < other.valid_from
        starts_after = other.valid_to is not None and start > other.valid_to
        if not (ends_before or starts_after):
            raise _overlap_error(other)


def display(value: AttributeValue) -> str:
    """The value as people read it (choice label, localized number or date, Ja/Nein)."""
    typed = value.value
    if typed is None:
        return ""
    kind = value.definition.type
    if kind == AttributeType.BOOLEAN:
        return _("yes") if typed else _("no")
    if kind in (AttributeType.DATE,):
        return formats.date_format(typed, "SHORT_DATE_FORMAT")
    if kind in (AttributeType.INTEGER, AttributeType.DECIMAL):
        number = typed.normalize() if kind == AttributeType.DECIMAL else typed
        # DIN 5008 groups digits only beyond four: "1945", but "12.000".
        text = formats.number_format(number, use_l10n=True, force_grouping=abs(number) >= 10_000)
        return f"{text} {value.definition.unit}".strip()
    if kind == AttributeType.LINK:
        from merkur.core import linkable

        target = linkable.kind(value.definition.link_kind)
        found = target.model.objects.filter(pk=typed).first() if target else None
        return str(found) if found else f"#{typed}"
    return str(typed)


def _new_row(definition, record, typed, valid_from, valid_to, by) -> AttributeValue:
    row = AttributeValue(
        definition=definition,
        valid_from=valid_from,
        valid_to=valid_to,
        exclusive=not definition.multi_valued,
        created_by=by if by is not None and by.is_authenticated else None,
        **{_owner_field(record): record},
    )
    column = definition.value_column
    setattr(row, column, typed)
    row.save()
    record_change(
        obj=row, action=Action.CREATE, user=by, company=_company_of(record),
        changes={column: [None, display(row)], "valid_from": [None, str(valid_from)],
                 "valid_to": [None, str(valid_to) if valid_to else None]},
    )  # fmt: skip
    return row


@transaction.atomic
def value_set(
    *,
    definition: AttributeDefinition,
    record,
    value,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
    by,
) -> list[AttributeValue]:
    """Give ``record`` a new value from ``valid_from`` on.

    Single-valued: the value valid on ``valid_from`` ends the day before; the new
    one runs until the next later value starts (or ``valid_to``). A value that
    starts on the same day is not replaced — correct it instead.
    Multi-valued: the value is added beside the others.
    """
    _check_applies(definition, record)
    _check_period(valid_from, valid_to)
    typed = parse_value(definition, value)
    rows = list(_siblings(definition, record).select_related("value_choice"))
    if definition.multi_valued:
        items = typed if isinstance(typed, list) else [typed]
        return [_new_row(definition, record, item, valid_from, valid_to, by) for item in items]

    covering = next((r for r in rows if r.covers(valid_from)), None)
    if covering is not None and covering.valid_from == valid_from:
        raise ValidationError(
            {
                "valid_from": _(
                    "A value starting on this day exists already (“%(value)s”, %(period)s). "
                    "Correct it instead."
                )
                % {"value": display(covering), "period": _period(covering)}
            }
        )
    later = sorted((r for r in rows if r.valid_from > valid_from), key=lambda r: r.valid_from)
    if valid_to is None and later:
        valid_to = later[0].valid_from - ONE_DAY
    others = [r for r in rows if r is not covering]
    _check_no_overlap(others, start=valid_from, end=valid_to)
    if covering is not None:
        old_end = covering.valid_to
        covering.valid_to = valid_from - ONE_DAY
        covering.save(update_fields=["valid_to"])
        record_change(
            obj=covering, action=Action.UPDATE, user=by, company=_company_of(record),
            changes={"valid_to": [str(old_end) if old_end else None, str(covering.valid_to)]},
        )  # fmt: skip
    return [_new_row(definition, record, typed, valid_from, valid_to, by)]


@transaction.atomic
def value_correct(
    *,
    row: AttributeValue,
    value=None,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    clear_valid_to: bool = False,
    by,
) -> AttributeValue:
    """Correct a wrongly entered value or period in place; the change history keeps the old one."""
    row = lock_for_update(AttributeValue, row.pk, None)
    definition = row.definition
    if not definition.is_active:
        raise ValidationError(_("This attribute is deactivated."))
    column = definition.value_column
    before = {column: display(row), **snapshot(row, ["valid_from", "valid_to"])}
    if value is not None:
        typed = parse_value(definition, value)
        if isinstance(typed, list):
            if len(typed) != 1:
                raise ValidationError({"value": _("Correct one choice at a time.")})
            typed = typed[0]
        setattr(row, column, typed)
    if valid_from is not None:
        row.valid_from = valid_from
    if clear_valid_to:
        row.valid_to = None
    elif valid_to is not None:
        row.valid_to = valid_to
    _check_period(row.valid_from, row.valid_to)
    if row.exclusive:
        record = row.record
        _check_no_overlap(
            _siblings(definition, record), start=row.valid_from, end=row.valid_to,
            exclude_pk=row.pk,
        )  # fmt: skip
    row.save()
    after = {column: display(row), **snapshot(row, ["valid_from", "valid_to"])}
    changes = diff(before, after)
    if changes:
        record_change(
            obj=row, action=Action.UPDATE, user=by, company=_company_of(row.record),
            changes=changes,
        )  # fmt: skip
    return row


# --- definitions ---------------------------------------------------------------------------

DEFINITION_FIELDS = [
    "code", "label", "label_en", "help_text", "type", "for_companies", "for_people",
    "multi_valued", "required", "group", "sort_order", "is_active", "unit", "min_value",
    "max_value", "link_kind",
]  # fmt: skip


def _definition_rules(definition: AttributeDefinition) -> None:
    if definition.type == AttributeType.MULTI_CHOICE:
        definition.multi_valued = True
    if definition.type != AttributeType.LINK:
        definition.link_kind = ""
    errors = {}
    if definition.type == AttributeType.LINK:
        from merkur.core import linkable

        if linkable.kind(definition.link_kind) is None:
            errors["link_kind"] = _("Choose what kind of record the attribute links to.")
    if (
        definition.min_value is not None
        and definition.max_value is not None
        and definition.min_value > definition.max_value
    ):
        errors["max_value"] = _("The maximum must not be below the minimum.")
    if not (definition.for_companies or definition.for_people):
        errors["for_companies"] = _("Choose companies, people or both.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def definition_create(*, data: dict, choices: list[str] | None = None, by) -> AttributeDefinition:
    definition = AttributeDefinition()
    for name in DEFINITION_FIELDS:
        if name in data:
            setattr(definition, name, data[name])
    _definition_rules(definition)
    definition.full_clean()
    definition.save()
    for position, label in enumerate(choices or [], start=1):
        choice_add(definition=definition, label=label, sort_order=position * 10, by=by)
    record_change(
        obj=definition,
        action=Action.CREATE,
        user=by,
        changes={"code": [None, definition.code], "type": [None, definition.type]},
    )
    return definition


@transaction.atomic
def definition_update(
    *, definition: AttributeDefinition, data: dict, expected_version: int | None, by
) -> AttributeDefinition:
    """Change a definition; its type (and single/multi) cannot change once values exist."""
    definition = lock_for_update(AttributeDefinition, definition.pk, expected_version)
    before = snapshot(definition, DEFINITION_FIELDS)
    shape = (definition.type, definition.multi_valued, definition.link_kind)
    for name in DEFINITION_FIELDS:
        if name in data:
            setattr(definition, name, data[name])
    _definition_rules(definition)
    new_shape = (definition.type, definition.multi_valued, definition.link_kind)
    if new_shape != shape and definition.values.exists():
        raise ValidationError(
            {
                "type": _(
                    "This attribute has values already: its type cannot change any more. "
                    "Create a new attribute and deactivate this one."
                )
            }
        )
    definition.full_clean()
    definition.version += 1
    definition.save()
    changes = diff(before, snapshot(definition, DEFINITION_FIELDS))
    if changes:
        record_change(obj=definition, action=Action.UPDATE, user=by, changes=changes)
    return definition


@transaction.atomic
def definition_delete(*, definition: AttributeDefinition, by) -> None:
    definition = AttributeDefinition.objects.select_for_update().get(pk=definition.pk)
    if definition.values.exists():
        raise ValidationError(
            _("This attribute has values and cannot be deleted. Deactivate it instead.")
        )
    record_change(obj=definition, action=Action.DELETE, user=by)
    definition.delete()


@transaction.atomic
def choice_add(
    *, definition: AttributeDefinition, label: str, sort_order: int | None = None, by
) -> AttributeChoice:
    if definition.type not in (AttributeType.CHOICE, AttributeType.MULTI_CHOICE):
        raise ValidationError(_("Only choice attributes have choices."))
    label = (label or "").strip()
    if not label:
        raise ValidationError({"label": _("Enter a label.")})
    if definition.choices.filter(label__iexact=label).exists():
        raise ValidationError({"label": _("This choice exists already.")})
    if sort_order is None:
        sort_order = (definition.choices.count() + 1) * 10
    return AttributeChoice.objects.create(definition=definition, label=label, sort_order=sort_order)


@transaction.atomic
def choice_update(*, choice: AttributeChoice, label: str | None = None,
                  is_active: bool | None = None, by) -> AttributeChoice:  # fmt: skip
    """Rename or (de)activate a choice; values keep pointing at it, so history stays."""
    if label is not None:
        label = label.strip()
        clash = choice.definition.choices.filter(label__iexact=label).exclude(pk=choice.pk)
        if not label or clash.exists():
            raise ValidationError({"label": _("Enter a label that is not used yet.")})
        choice.label = label
    if is_active is not None:
        choice.is_active = is_active
    choice.save()
    return choice
