"""Attribute values of companies and people: as of a day, timeline, set, correct.

``/companies/{id}/attributes`` and ``/people/{id}/attributes`` are built by one
factory (``record_router``); corrections go to ``/attribute-values/{id}``
whatever record the value belongs to.
"""

import inspect

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from merkur.attributes import services
from merkur.attributes.api.convert import check_value, value_out
from merkur.attributes.api.schemas import (
    AsOfOut,
    AsOfQuery,
    HistoryValueOut,
    TimelineOut,
    ValueIn,
    ValueOut,
    ValuePatch,
)
from merkur.attributes.models import AttributeDefinition, AttributeValue
from merkur.attributes.queries import timelines, values_as_of
from merkur.companies import access
from merkur.core.api.errors import READ_ERRORS, WRITE_ERRORS, ErrorOut
from merkur.core.roles import Capability, require

VALUE_ERRORS = {**WRITE_ERRORS, 409: ErrorOut}
SET_HELP = (
    "A single-valued attribute's value valid on `valid_from` ends the day before; the new "
    "one runs until the next later value starts (or `valid_to`). A value starting on the "
    "same day is refused: correct it instead. Several-valued attributes add the value "
    "(a list of choices adds one row per choice). Answers the rows created."
)


class NotFoundWithField(Exception):
    """404 that names the field: an unknown attribute code in the path."""

    def __init__(self, field: str, message: str):
        self.field, self.message = field, message


def _definitions(owner: str):
    queryset = AttributeDefinition.objects.all()
    return queryset.for_companies() if owner == "company" else queryset.for_people()


def _definition(owner: str, code: str) -> AttributeDefinition:
    found = _definitions(owner).filter(code=code).first()
    if found is None:
        raise NotFoundWithField(
            "code", _("There is no attribute with the code “%(code)s”.") % {"code": code}
        )
    return found


def _attribute_ref(definition: AttributeDefinition) -> dict:
    return {
        "id": definition.pk,
        "code": definition.code,
        "label": definition.display_label,
        "type": definition.type,
        "unit": definition.unit,
        "multi_valued": definition.multi_valued,
        "is_active": definition.is_active,
    }


def _attach(rows: list[AttributeValue], definition: AttributeDefinition) -> list:
    for row in rows:
        row.definition = definition
    return rows


def _as_of(owner: str, record, day) -> dict:
    found = values_as_of(record, day)
    attributes = []
    for definition in _definitions(owner).order_by("group", "sort_order", "label"):
        rows = _attach(found.get(definition.pk, []), definition)
        if not definition.is_active and not rows:
            continue
        values = [value_out(row) for row in rows]
        attributes.append({**_attribute_ref(definition), "values": values})
    return {"as_of": day, "attributes": attributes}


def _set_errors(error: ValidationError) -> ValidationError:
    """The services' general refusals (not for this record, deactivated) are about ``code``."""
    if hasattr(error, "error_dict"):
        return error
    return ValidationError({"code": error.messages})


def record_router(owner: str) -> Router:
    """The value routes under ``/companies`` (``owner="company"``) or ``/people``."""
    tag = "Companies" if owner == "company" else "People"
    param = f"{owner}_id"
    get_record = access.get_company_for if owner == "company" else access.get_person_for
    router = Router(tags=[tag])

    def list_values(request: HttpRequest, filters: Query[AsOfQuery], **ids):
        record = get_record(request, ids[param])
        return _as_of(owner, record, filters.as_of or timezone.localdate())

    def timeline(request: HttpRequest, code: str, **ids):
        record = get_record(request, ids[param])
        definition = _definition(owner, code)
        rows = _attach(timelines(record).get(definition.pk, []), definition)
        return {
            **_attribute_ref(definition),
            "values": [value_out(row, history=True) for row in rows],
        }

    def set_value(request: HttpRequest, code: str, payload: ValueIn, **ids):
        record = get_record(request, ids[param], write=True)
        definition = _definition(owner, code)
        valid_from = payload.valid_from or timezone.localdate()
        if payload.valid_to is not None and payload.valid_to < valid_from:
            raise ValidationError({"valid_to": _("The period cannot end before it starts.")})
        value = check_value(definition, payload.value)
        try:
            rows = services.value_set(
                definition=definition,
                record=record,
                value=value,
                valid_from=valid_from,
                valid_to=payload.valid_to,
                by=request.auth,
            )
        except ValidationError as error:
            raise _set_errors(error) from None
        return Status(201, [value_out(row) for row in _attach(rows, definition)])

    one = f"/{{{param}}}/attributes"
    operations = [
        (one, "GET", list_values, {200: AsOfOut, **READ_ERRORS, 422: ErrorOut},
         "Attribute values as of a day",
         "Every attribute of the record with the values valid on `as_of` (default today); "
         "several-valued attributes may have several, unset ones none."),
        (f"{one}/{{code}}/timeline", "GET", timeline, {200: TimelineOut, **READ_ERRORS},
         "Timeline of an attribute", "Every value the attribute had, oldest first."),
        (f"{one}/{{code}}", "POST", set_value, {201: list[ValueOut], **VALUE_ERRORS},
         "Set an attribute value from a day on", SET_HELP),
    ]  # fmt: skip
    for path, method, view, responses, summary, description in operations:
        router.add_api_operation(
            path,
            [method],
            _with_path_params(view, param),
            response=responses,
            summary=summary,
            description=description,
            operation_id=f"{owner}_{view.__name__}",
        )
    return router


def _with_path_params(view, param: str):
    """Give ``view`` (``…, **ids``) the path parameter ``param`` in its signature for ninja."""
    signature = inspect.signature(view)
    params = [p for p in signature.parameters.values() if p.kind != p.VAR_KEYWORD]
    path_param = inspect.Parameter(param, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=int)
    view.__signature__ = signature.replace(parameters=[params[0], path_param, *params[1:]])
    return view


# --- corrections ---------------------------------------------------------------------------

values_router = Router(tags=["Attributes"])


@values_router.patch(
    "/{value_id}",
    response={200: HistoryValueOut, **VALUE_ERRORS},
    summary="Correct an attribute value",
    description="Fixes a wrongly entered value or period in place (not a change over time: "
    "set a new value for that); the change history keeps the old one. Only the fields "
    "sent change; `clear_valid_to` makes the period open-ended.",
)
def correct_value(request: HttpRequest, value_id: int, payload: ValuePatch):
    require(request.user, Capability.EDIT_RECORDS)
    row = get_object_or_404(AttributeValue.objects.select_related("definition"), pk=value_id)
    if row.company_id:
        access.get_company_for(request, row.company_id, write=True)
    else:
        access.get_person_for(request, row.person_id, write=True)
    if payload.clear_valid_to and payload.valid_to is not None:
        raise ValidationError(
            {"valid_to": _("Send either an end date or “clear_valid_to”, not both.")}
        )
    value = None if payload.value is None else check_value(row.definition, payload.value)
    row = services.value_correct(
        row=row,
        value=value,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        clear_valid_to=payload.clear_valid_to,
        by=request.auth,
    )
    row = AttributeValue.objects.select_related("definition", "value_choice", "created_by").get(
        pk=row.pk
    )
    return value_out(row, history=True)


def install(api) -> None:
    """Answer an unknown attribute code in a path with 404 naming the field."""
    from merkur.core.api.errors import error_response

    def on_unknown(request, exc: NotFoundWithField):
        return error_response(api, request, 404, exc.message, {exc.field: [exc.message]})

    api.add_exception_handler(NotFoundWithField, on_unknown)
