"""Frozen runs: who was in a selection at a moment, kept so a mailing is reproducible.

``freeze`` compiles the definition for a given day and copies the result — each
person or company with the address chosen for it (see ``recipients``) — into
``SelectionRunMember`` with one ``INSERT … SELECT``: a run of a million members
never passes through Python. The SELECT is the ORM's own SQL with its parameters;
nothing a user typed is put into the statement text. Later changes to the data do
not change a frozen run. ``compare`` tells who is new in one run and who dropped
out since another.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BigIntegerField, Exists, F, OuterRef, QuerySet, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from merkur.selections.compiler import compile_definition
from merkur.selections.context import Context
from merkur.selections.definition import Definition, dump
from merkur.selections.errors import DefinitionError
from merkur.selections.models import SavedSelection, SelectionRun, SelectionRunMember
from merkur.selections.recipients import source_of
from merkur.selections.services import parse_or_invalid

# The member columns, filled from the SELECT's columns of the same alias.
MEMBER_COLUMNS = ("run", "person", "company", "address")


def _members_select(queryset: QuerySet, run: SelectionRun, address: str) -> tuple[str, tuple]:
    """The SELECT of (run, person, company, address) for every selected record."""
    found = source_of(queryset, address=address)
    # A bare NULL in a subquery is text to PostgreSQL; the column is a bigint.
    person = F("pk") if found.person is not None else Cast(Value(None), BigIntegerField())
    columns = {
        "m_run": Value(run.pk, output_field=BigIntegerField()),
        "m_person": person,
        "m_company": F(f"{found.company}pk"),
        "m_address": F("address_pk"),
    }
    rows = found.queryset.order_by().values(**columns)
    return rows.query.sql_with_params()


@transaction.atomic
def freeze(
    definition: dict | Definition,
    *,
    by,
    today: datetime.date | None = None,
    selection: SavedSelection | None = None,
) -> SelectionRun:
    """Run ``definition`` on ``today`` (default: today) and keep who was in it.

    ``selection`` is the saved selection run, if any (its id is on the reference
    stack, so a reference back to it is a cycle). A bad definition is a
    ``ValidationError`` on ``definition``.
    """
    if not isinstance(definition, Definition):
        definition = parse_or_invalid(definition)
    today = today or timezone.localdate()
    stack = (selection.pk,) if selection is not None else ()
    try:
        selected = compile_definition(definition, Context(today=today, stack=stack))
        run = SelectionRun.objects.create(
            selection=selection,
            definition=dump(definition),
            target=definition.target,
            address=definition.address,
            by=by if by is not None and by.is_authenticated else None,
            today=today,
        )
        select, params = _members_select(selected, run, definition.address)
    except DefinitionError as error:  # from a reference expanded at compile time
        raise ValidationError({"definition": str(error)}) from None
    table = connection.ops.quote_name(SelectionRunMember._meta.db_table)
    targets = ", ".join(
        connection.ops.quote_name(SelectionRunMember._meta.get_field(name).column)
        for name in MEMBER_COLUMNS
    )
    sources = ", ".join(
        "picked." + connection.ops.quote_name(f"m_{name}") for name in MEMBER_COLUMNS
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({targets}) SELECT {sources} FROM ({select}) picked",
            params,
        )
    run.count = run.members.count()
    run.save(update_fields=["count"])
    return run


@dataclass(frozen=True)
class Comparison:
    """Members of the later run not in the earlier one, and those of the earlier one
    missing from the later (querysets of ``SelectionRunMember``)."""

    new: QuerySet
    dropped: QuerySet


def compare(run_a: SelectionRun, run_b: SelectionRun) -> Comparison:
    """Who is new in ``run_b`` compared with ``run_a``, and who dropped out.

    People runs are compared by person, company runs by company; runs of different
    targets cannot be compared (``ValidationError``).
    """
    if run_a.target != run_b.target:
        raise ValidationError(_("Only runs of the same target (people or companies) compare."))
    key = "person_id" if run_a.target == "people" else "company_id"

    def missing_from(run: SelectionRun, other: SelectionRun) -> QuerySet:
        present = SelectionRunMember.objects.filter(run=other, **{key: OuterRef(key)})
        return run.members.filter(~Exists(present))

    return Comparison(new=missing_from(run_b, run_a), dropped=missing_from(run_a, run_b))
