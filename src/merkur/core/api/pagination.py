"""Cursor pagination for API lists, on top of ``merkur.core.pagination``.

A list answers ``{"items", "next_cursor", "previous_cursor", "count",
"count_exact"}``; the client passes ``next_cursor`` back as ``?cursor=`` to get
the following page. The count stops at ``COUNT_CAP`` (``count_exact`` false).
"""

from collections.abc import Callable

from django.db import models
from ninja import Field, Schema
from pydantic import create_model

from merkur.core.api.schemas import InSchema
from merkur.core.pagination import Ordering, capped_count, keyset_page

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


class PageQuery(InSchema):
    cursor: str | None = Field(
        None, description="`next_cursor` or `previous_cursor` of the page before."
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page.")


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """The response schema of a list of ``item`` (a named class, for a readable OpenAPI)."""
    return create_model(
        name,
        __base__=Schema,
        items=(list[item], ...),
        next_cursor=(str | None, None),
        previous_cursor=(str | None, None),
        count=(int, Field(..., description="Number of matches, at most the cap.")),
        count_exact=(bool, Field(..., description="False: there are more than `count`.")),
    )


def paginate(
    queryset: models.QuerySet,
    ordering: Ordering,
    *,
    page: PageQuery,
    serialize: Callable[[models.Model], dict],
    count_queryset: models.QuerySet | None = None,
) -> dict:
    """One page of ``queryset`` in ``ordering`` as the list response body."""
    result = keyset_page(queryset, ordering, cursor=page.cursor, per_page=page.limit)
    count = capped_count(queryset if count_queryset is None else count_queryset)
    return {
        "items": [serialize(item) for item in result.items],
        "next_cursor": result.next_cursor,
        "previous_cursor": result.previous_cursor,
        "count": count.value,
        "count_exact": count.exact,
    }
