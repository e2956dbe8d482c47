"""Keyset pagination and capped counts: lists that stay fast on millions of rows.

A page is fetched with ``WHERE (sort key) > (last key of the previous page)``
instead of ``OFFSET``, so page 1,000 costs what page 1 costs. Counts stop at
``COUNT_CAP``; above it the list says "more than …" (or, unfiltered on
PostgreSQL, the planner's estimate) instead of counting a whole table.
"""

import base64
import binascii
import datetime
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, models
from django.db.models import Q

COUNT_CAP = 10_000


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class Ordering:
    """A sort order over columns of one table; the last one must be unique (the pk)."""

    fields: tuple[str, ...]  # e.g. ("name", "id") or ("-postal_code", "-id")

    def names(self) -> list[str]:
        return [f.lstrip("-") for f in self.fields]

    def reversed(self) -> "Ordering":
        return Ordering(tuple(f[1:] if f.startswith("-") else "-" + f for f in self.fields))


@dataclass
class Page:
    items: list
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None


def _encode(values: list, direction: str) -> str:
    payload = json.dumps({"k": [_jsonable(v) for v in values], "d": direction})
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _jsonable(value):
    if isinstance(value, datetime.datetime | datetime.date | Decimal):
        return str(value)
    return value


def _decode(cursor: str, width: int) -> tuple[list, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        values, direction = data["k"], data["d"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InvalidCursor("malformed cursor") from None
    if not isinstance(values, list) or len(values) != width or direction not in ("n", "p"):
        raise InvalidCursor("cursor does not fit this list")
    return values, direction


def _after(ordering: Ordering, values: list) -> Q:
    """Rows strictly after ``values`` in ``ordering``.

    The leading ``>=`` on the first column is implied by the OR-chain but lets
    the database start an index range scan instead of filtering from the top.
    """
    names = ordering.names()
    desc = [f.startswith("-") for f in ordering.fields]

    def op(i: int, strict: bool) -> str:
        if desc[i]:
            return "lt" if strict else "lte"
        return "gt" if strict else "gte"

    chain = Q()
    for i in range(len(names)):
        term = Q(**{f"{names[j]}": values[j] for j in range(i)})
        term &= Q(**{f"{names[i]}__{op(i, True)}": values[i]})
        chain |= term
    return Q(**{f"{names[0]}__{op(0, False)}": values[0]}) & chain


def keyset_page(
    queryset: models.QuerySet, ordering: Ordering, *, cursor: str | None, per_page: int
) -> Page:
    names = ordering.names()
    direction = "n"
    if cursor:
        values, direction = _decode(cursor, len(names))
        walk = ordering if direction == "n" else ordering.reversed()
        queryset = queryset.filter(_after(walk, values))
    else:
        walk = ordering
    rows = list(queryset.order_by(*walk.fields)[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    if direction == "p":
        rows.reverse()

    def key(row) -> list:
        return [getattr(row, n) for n in names]

    has_next = more if direction == "n" else True
    has_previous = bool(cursor) and (more if direction == "p" else True)
    return Page(
        items=rows,
        next_cursor=_encode(key(rows[-1]), "n") if rows and has_next else None,
        previous_cursor=_encode(key(rows[0]), "p") if rows and has_previous else None,
    )


@dataclass(frozen=True)
class Count:
    value: int
    exact: bool  # False: "more than value" or an estimate

    @property
    def estimated(self) -> bool:
        return not self.exact


def capped_count(queryset: models.QuerySet, *, cap: int = COUNT_CAP) -> Count:
    """Count up to ``cap`` rows; above that, say so instead of counting all."""
    counted = queryset.order_by()[: cap + 1].count()
    if counted <= cap:
        return Count(counted, True)
    estimate = table_estimate(queryset.model) if not queryset.query.where else None
    return Count(max(estimate or 0, cap), False)


def table_estimate(model: type[models.Model]) -> int | None:
    """The planner's row estimate for a whole table on PostgreSQL (None elsewhere)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
    return row[0] if row and row[0] > 0 else None
