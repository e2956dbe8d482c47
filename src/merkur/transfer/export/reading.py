"""Reading the rows of an export: one streamed query plus a few bulk queries per chunk.

A ``Scope`` (from ``sources``) is a queryset of companies, people or run members,
sorted, with where its company and person are. A ``Plan`` collects what the chosen
columns need: the database fields of the main row (``values_list``, read with
``iterator(chunk_size=…)``), the small master tables (loaded once: names of
industries, functions …) and the *loaders* that fetch, for a whole chunk of rows at
once, what lives in other tables (addresses, several-valued classifications,
attribute values as of a day, revenue). Each column is bound to the plan as a
function of the row tuple, so writing a row costs a few dictionary look-ups.

On PostgreSQL the rows are read by a server-side cursor inside a transaction:
the export sees one snapshot of the data, and memory stays constant however many
rows there are.
"""

import copy
import datetime
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter

from django.db import connection, transaction
from django.db.models import FilteredRelation, OuterRef, Q, QuerySet

CHUNK_SIZE = 2000
ADDRESS_FIELDS = ("street", "street2", "po_box", "postal_code", "city", "region", "country")


@dataclass
class Scope:
    """Rows to export: a sorted queryset and where its company and person are.

    ``company``/``person`` are lookup prefixes ("" for the queryset's own model,
    "company__" …); ``person`` is None when rows have no person. ``address`` tells
    which postal address is the row's own ("address.*" columns): ``contact``,
    ``billing`` or ``delivery`` (companies: the default of that kind, else the
    contact address), ``person`` (the person's own address, else the company's
    contact address) or ``member`` (the address frozen with a run member).
    """

    queryset: QuerySet
    target: str  # "companies" or "people": what one row is about
    company: str
    person: str | None
    address: str
    title: str = ""
    description: list[str] = field(default_factory=list)
    member_address: str | None = None  # lookup of the frozen address id (runs)

    @property
    def has_person(self) -> bool:
        return self.target == "people"


class Loader:
    """Fetches, for a chunk of rows, what some columns need from other tables."""

    def load(self, rows: list[tuple]) -> None:
        raise NotImplementedError


class Plan:
    """What the chosen columns need from the database, and the row tuple's layout."""

    def __init__(self, scope: Scope, options=None):
        self.scope = scope
        self.options = options
        self.lookups: list[str] = []
        self._index: dict[str, int] = {}
        self.loaders: dict[str, Loader] = {}
        self.annotations: dict = {}
        self._masters: dict = {}
        self.company_id = self.field("company", "id")
        self.person_id = self.field("person", "id") if scope.person is not None else None
        self.member_address_id = (
            self._lookup(scope.member_address) if scope.member_address else None
        )

    def _lookup(self, lookup: str) -> int:
        if lookup not in self._index:
            self._index[lookup] = len(self.lookups)
            self.lookups.append(lookup)
        return self._index[lookup]

    def field(self, owner: str, name: str) -> int | None:
        """The position of ``owner``'s (``company``/``person``) field ``name`` in the row."""
        prefix = self.scope.company if owner == "company" else self.scope.person
        if prefix is None:
            return None
        return self._lookup(f"{prefix}{name}")

    def join(self, name: str, relation: str, **condition) -> str:
        """``relation`` restricted by ``condition``, joined as ``name`` (once)."""
        if name not in self.annotations:
            self.annotations[name] = FilteredRelation(
                relation,
                condition=Q(**{f"{relation}__{key}": value for key, value in condition.items()}),
            )
        return name

    def annotate(self, name: str, expression) -> int:
        """A computed value of the main query (an array of ids …), by its position."""
        self.annotations.setdefault(name, expression)
        return self._lookup(name)

    def path(self, owner: str) -> str | None:
        """The lookup of ``owner``'s primary key in the main query ("pk", "company_id" …)."""
        prefix = self.scope.company if owner == "company" else self.scope.person
        if prefix is None:
            return None
        return "pk" if prefix == "" else f"{prefix.removesuffix('__')}_id"

    def getter(self, owner: str, name: str) -> Callable[[tuple], object]:
        index = self.field(owner, name)
        if index is None:
            return _nothing
        return itemgetter(index)

    def master(self, model, *fields: str) -> dict:
        """``{id: name}`` of a master table (or ``{id: (field, …)}``), loaded once."""
        key = (model, fields)
        if key not in self._masters:
            if fields:
                self._masters[key] = {
                    pk: values for pk, *values in model.objects.values_list("pk", *fields)
                }
            else:
                self._masters[key] = dict(model.objects.values_list("pk", "name"))
        return self._masters[key]

    def loader(self, key: str, factory: Callable[[], Loader]) -> Loader:
        if key not in self.loaders:
            self.loaders[key] = factory()
        return self.loaders[key]

    def company_of(self, row: tuple) -> int:
        return row[self.company_id]

    def person_of(self, row: tuple) -> int | None:
        return row[self.person_id] if self.person_id is not None else None


def _nothing(row: tuple) -> None:
    return None


def main_query(plan: Plan) -> QuerySet:
    """The one query of the plan's rows: ``values_list`` of ``plan.lookups``, in order
    (also what the PostgreSQL COPY of ``copying`` wraps)."""
    queryset = plan.scope.queryset
    if plan.annotations:
        # Fresh copies: a FilteredRelation keeps the query it was resolved in.
        queryset = queryset.annotate(
            **{name: copy.copy(value) for name, value in plan.annotations.items()}
        )
    return queryset.values_list(*plan.lookups)


def read(plan: Plan, getters: list[Callable], *, chunk_size: int = CHUNK_SIZE) -> Iterator[list]:
    """The rows of the plan's scope as lists of values (one per getter), in order."""
    with transaction.atomic():
        # A transaction lets PostgreSQL stream through a server-side cursor (no hold)
        # and gives the chunk queries the same snapshot as the main query.
        if connection.vendor == "postgresql":
            # A cursor's plan is made for its first rows by default (nested loops); an
            # export reads them all, so hash joins and one sort are much faster.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        rows = _rows(main_query(plan), chunk_size)
        loaders = list(plan.loaders.values())
        while True:
            chunk = list(islice(rows, chunk_size))
            if not chunk:
                return
            for loader in loaders:
                loader.load(chunk)
            for row in chunk:
                yield [get(row) for get in getters]


def _rows(queryset: QuerySet, chunk_size: int) -> Iterator[tuple]:
    """The rows of ``queryset`` (values_list) as tuples, streamed.

    On PostgreSQL the ORM's own SQL runs on a psycopg server-side cursor directly:
    psycopg hands out the values Django would (aware date-times, decimals, lists), and
    Django's per-row conversion would cost as much as the rest of a CSV row. Elsewhere
    (SQLite stores dates and decimals as text) Django's iterator converts them.
    """
    if connection.vendor != "postgresql":
        yield from queryset.iterator(chunk_size=chunk_size)
        return
    sql, params = queryset.query.sql_with_params()
    connection.ensure_connection()
    with connection.connection.cursor(name=f"merkur_export_{uuid.uuid4().hex}") as cursor:
        cursor.itersize = chunk_size
        cursor.execute(sql, params)
        yield from cursor


def ordered_names(model) -> tuple[dict, dict]:
    """Names and sort positions of a master table's entries (its own order)."""
    names, position = {}, {}
    for number, (pk, name) in enumerate(model.objects.order_by(*model._meta.ordering, "pk")
                                        .values_list("pk", "name")):  # fmt: skip
        names[pk] = name
        position[pk] = number
    return names, position


# --- loaders -------------------------------------------------------------------------------


class ManyLoader(Loader):
    """Several-valued classifications (industries, functions …) of the rows' records.

    On PostgreSQL an array of ids comes with each row (a subquery of the main
    query); elsewhere they are read for a whole chunk at once.
    """

    def __init__(self, plan: Plan, owner: str, relation) -> None:
        self.owner = owner
        self.index = plan.company_id if owner == "company" else plan.person_id
        descriptor = relation.rel
        self.through = descriptor.through
        self.source = descriptor.field.m2m_field_name() + "_id"
        self.target = descriptor.field.m2m_reverse_field_name() + "_id"
        self.names, self.position = ordered_names(descriptor.model)
        self.data: dict[int, list[str]] = {}
        self.array = None
        if connection.vendor == "postgresql" and plan.path(owner) is not None:
            from django.contrib.postgres.expressions import ArraySubquery

            ids = self.through.objects.filter(**{self.source: OuterRef(plan.path(owner))})
            self.array = plan.annotate(
                f"m_{owner}_{self.target}", ArraySubquery(ids.values(self.target))
            )

    def load(self, rows: list[tuple]) -> None:
        if self.array is not None:
            return
        ids = {row[self.index] for row in rows if row[self.index] is not None}
        found: dict[int, list[int]] = defaultdict(list)
        pairs = self.through.objects.filter(**{f"{self.source}__in": ids}).values_list(
            self.source, self.target
        )
        for owner, target in pairs:
            found[owner].append(target)
        self.data = {owner: self._names(targets) for owner, targets in found.items()}

    def _names(self, targets) -> list[str]:
        return [self.names[pk] for pk in sorted(targets, key=self.position.__getitem__)]

    def get(self, row: tuple) -> list[str]:
        if self.array is not None:
            targets = row[self.array]
            return self._names(targets) if targets else []
        return self.data.get(row[self.index], [])


class AddressJoins(Loader):
    """The postal addresses a row's columns need, joined in the main query.

    Each kind is one ``FilteredRelation`` that matches at most one link per row (one
    contact address and one default billing/delivery address per company, one own
    address per person — the database holds these), so the joins add no rows and
    PostgreSQL reads the tables in one pass instead of a look-up per chunk.
    """

    def __init__(self, plan: "Plan") -> None:
        self.plan = plan
        self.indexes: dict[str, list[int] | None] = {}

    def load(self, rows: list[tuple]) -> None:
        pass  # everything comes with the row

    def fields(self, kind: str) -> list[int] | None:
        """Row positions of (address id, *ADDRESS_FIELDS) of ``kind``; None if rows have none."""
        if kind not in self.indexes:
            self.indexes[kind] = self._join(kind)
        return self.indexes[kind]

    def _join(self, kind: str) -> list[int] | None:
        plan, scope = self.plan, self.plan.scope
        if kind == "member":
            if scope.member_address is None:
                return None
            base = scope.member_address.removesuffix("_id")
        elif kind == "own":
            if scope.person is None:
                return None
            base = plan.join("a_own", f"{scope.person}address_links", kind="employee")
            base += "__address"
        else:
            condition = {"kind": kind} if kind == "contact" else {"kind": kind, "is_default": True}
            base = plan.join(f"a_{kind}", f"{scope.company}address_links", **condition)
            base += "__address"
        return [plan._lookup(f"{base}__id")] + [
            plan._lookup(f"{base}__{name}") for name in ADDRESS_FIELDS
        ]

    def own_fields(self) -> tuple[list[int], list[int] | None]:
        """The row's own address: the preferred kind, and the one to fall back to."""
        kind = self.plan.scope.address
        if kind == "member":
            return self.fields("member"), None
        if kind == "person":
            return self.fields("own"), self.fields("contact")
        if kind in ("billing", "delivery"):
            return self.fields(kind), self.fields("contact")
        return self.fields("contact"), None

    def picker(self, kind: str) -> Callable[[tuple], tuple | None]:
        """A function giving the row's address of ``kind`` (or its own: ``address``)."""
        if kind == "address":
            first, fallback = self.own_fields()
        else:
            first, fallback = self.fields(kind), None

        def pick(row: tuple) -> tuple | None:
            for indexes in (first, fallback):
                if indexes is not None and row[indexes[0]] is not None:
                    return tuple(row[index] for index in indexes)
            return None

        return pick

    def getter(self, kind: str, name: str) -> Callable[[tuple], object]:
        """The row's ``name`` (an ADDRESS_FIELDS entry) of the address of ``kind``."""
        position = ADDRESS_FIELDS.index(name) + 1
        if kind == "address":
            first, fallback = self.own_fields()
        else:
            first, fallback = self.fields(kind), None
        if first is None:
            return _nothing
        field, key = first[position], first[0]
        if fallback is None:
            return itemgetter(field)
        other = fallback[position]
        return lambda row: row[field] if row[key] is not None else row[other]


@dataclass(frozen=True)
class AttributeRequest:
    owner: str  # "company" or "person"
    definition: object  # AttributeDefinition
    day: datetime.date


class AttributeLoader(Loader):
    """Attribute values as of their days, for every requested attribute, in one query."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.requests: set[AttributeRequest] = set()
        self.data: dict[tuple, list] = {}
        self._choices: dict[int, str] | None = None

    def add(self, request: AttributeRequest) -> None:
        self.requests.add(request)

    def _choice_labels(self) -> dict[int, str]:
        if self._choices is None:
            from merkur.attributes.models import AttributeChoice

            definitions = {request.definition.pk for request in self.requests}
            self._choices = dict(
                AttributeChoice.objects.filter(definition_id__in=definitions).values_list(
                    "pk", "label"
                )
            )
        return self._choices

    def load(self, rows: list[tuple]) -> None:
        from merkur.attributes.models import AttributeValue, valid_on_q

        plan = self.plan
        companies = {row[plan.company_id] for row in rows}
        people = set()
        if plan.person_id is not None:
            people = {row[plan.person_id] for row in rows if row[plan.person_id] is not None}
        wanted: dict[tuple, list[datetime.date]] = defaultdict(list)  # (owner, def) → days
        condition = Q()
        for request in self.requests:
            ids = companies if request.owner == "company" else people
            if not ids:
                continue
            wanted[(request.owner, request.definition.pk)].append(request.day)
            condition |= (
                valid_on_q(request.day)
                & Q(definition_id=request.definition.pk)
                & Q(**{f"{request.owner}_id__in": ids})
            )
        self.data = {}
        if not wanted:
            return
        values = AttributeValue.objects.filter(condition).order_by(
            "definition_id", "valid_from", "pk"
        )
        columns = (
            "value_text", "value_integer", "value_decimal", "value_date", "value_boolean",
            "value_choice_id", "value_link",
        )  # fmt: skip
        data: dict[tuple, list] = defaultdict(list)
        links: dict[str, set[int]] = defaultdict(set)
        kinds = {request.definition.pk: request.definition for request in self.requests}
        for company, person, definition, start, end, *typed in values.values_list(
            "company_id", "person_id", "definition_id", "valid_from", "valid_to", *columns
        ):
            owner, record = ("company", company) if company is not None else ("person", person)
            value = self._value(kinds[definition], typed)
            if kinds[definition].type == "link" and value is not None:
                links[kinds[definition].link_kind].add(value)
            for day in wanted.get((owner, definition), ()):
                if start <= day and (end is None or end >= day):
                    data[(owner, record, definition, day)].append(value)
        self.data = data
        self._link_names = self._names_of(links)

    def _value(self, definition, typed: list):
        text, integer, number, date, boolean, choice, link = typed
        kind = definition.type
        if kind in ("text", "long_text"):
            return text
        if kind == "integer":
            return integer
        if kind == "decimal":
            return number
        if kind == "date":
            return date
        if kind == "boolean":
            return boolean
        if kind in ("choice", "multi_choice"):
            return self._choice_labels().get(choice)
        return link

    @staticmethod
    def _names_of(links: dict[str, set[int]]) -> dict[tuple[str, int], str]:
        from merkur.core import linkable

        names = {}
        for key, ids in links.items():
            kind = linkable.kind(key)
            if kind is None:
                continue
            for pk, record in kind.model.objects.in_bulk(list(ids)).items():
                names[(key, pk)] = f"{record} (#{pk})"
        return names

    def get(self, row: tuple, request: AttributeRequest):
        record = (
            self.plan.company_of(row) if request.owner == "company" else self.plan.person_of(row)
        )
        found = self.data.get((request.owner, record, request.definition.pk, request.day))
        if not found:
            return [] if request.definition.multi_valued else None
        if request.definition.type == "link":
            key = request.definition.link_kind
            found = [self._link_names.get((key, pk), f"#{pk}") for pk in found]
        if request.definition.multi_valued:
            return found
        return found[0]


class RevenueLoader(Loader):
    """Revenue of the chunk's companies in one year (base currency) and their ABC class."""

    def __init__(self, plan: Plan, year: int) -> None:
        self.plan = plan
        self.year = year
        self.data: dict[int, object] = {}
        self._boundaries = None

    def load(self, rows: list[tuple]) -> None:
        from merkur.business.figures import Period, revenue_by_company

        ids = {row[self.plan.company_id] for row in rows}
        found = revenue_by_company(Period.year(self.year)).filter(company_id__in=ids)
        self.data = {row["company_id"]: row["revenue"] for row in found}

    def revenue(self, row: tuple):
        return self.data.get(self.plan.company_of(row))

    def abc_class(self, row: tuple) -> str | None:
        from merkur.business import abc_cache
        from merkur.business.figures import Period

        revenue = self.revenue(row)
        if revenue is None or revenue <= 0:
            return None
        if self._boundaries is None:
            self._boundaries = abc_cache.boundaries(Period.year(self.year))
        first_b, first_c = self._boundaries
        return abc_cache.class_of(self.plan.company_of(row), revenue, first_b, first_c)
