"""``POST /business-import/{kind}``: many records in one request, all or nothing.

Every item is checked and written by the same code as the ``PUT`` route of its
kind, in order (an order may name an offer sent earlier in the same request),
inside one transaction. If any item is bad, the answer is 422 listing *every*
bad item with its index (counted from 0, as in ``items``), field and message,
and nothing is written. ``dry_run`` checks and counts without writing.
"""

from typing import Any, Literal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from merkur.business.api import inputs
from merkur.business.api.common import body_doc, can_edit, can_manage_rates, json_body
from merkur.core.api.errors import ErrorOut
from merkur.core.api.schemas import BodySchema

router = Router(tags=["Business data import"])

MAX_ITEMS = 10_000
ImportKind = Literal[tuple(inputs.KINDS)]


class BulkIn(BodySchema):
    items: list[Any] = Field(
        ...,
        description=f"At most {MAX_ITEMS:,} records, each as the `PUT` route of the kind "
        "takes it plus its key fields (e.g. `kind` and `number` of a document).",
    )
    dry_run: bool = Field(False, description="Check and count, write nothing.")


class ItemError(Schema):
    index: int = Field(..., description="Position in `items`, counted from 0.")
    field: str = Field(..., description="Path of the field, e.g. `lines.2.quantity`.")
    message: str


class BulkOut(Schema):
    detail: str = ""
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    errors: list[ItemError]


def _errors(index: int, error: ValidationError) -> list[dict]:
    if not hasattr(error, "error_dict"):
        return [{"index": index, "field": NON_FIELD_ERRORS, "message": m} for m in error.messages]
    return [
        {"index": index, "field": field, "message": message}
        for field, messages in error.message_dict.items()
        for message in messages
    ]


@router.post(
    "/{kind}",
    response={
        200: BulkOut,
        413: ErrorOut,
        422: BulkOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
    },
    summary="Import business records in bulk",
    description=(
        "`kind`: `articles`, `documents`, `batches`, `deliveries`, `instances` or `rates` "
        f"(rates: administrators only). At most {MAX_ITEMS:,} items per request. All or "
        "nothing: one transaction; if any item is bad the answer is 422 with every bad "
        "item in `errors` and nothing is written. Re-sending the same items changes "
        "nothing: such items count as `unchanged` and are not written."
    ),
    openapi_extra=body_doc(BulkIn),
)
def import_business_data(request: HttpRequest, kind: ImportKind):
    can_edit(request)
    if kind == "rates":
        can_manage_rates(request)
    payload = inputs.validate(BulkIn, json_body(request))
    if len(payload.items) > MAX_ITEMS:
        raise HttpError(
            413,
            _("At most %(max)s items per request (this one has %(count)s); split the import.")
            % {
                "max": number_format(MAX_ITEMS, force_grouping=True),
                "count": number_format(len(payload.items), force_grouping=True),
            },
        )
    result = {"dry_run": payload.dry_run, "created": 0, "updated": 0, "unchanged": 0}
    errors: list[dict] = []
    with transaction.atomic(), inputs.remembering(kind):
        for index, raw in enumerate(payload.items):
            try:
                write = inputs.check_item(kind, raw)
                if write.unchanged:
                    result["unchanged"] += 1
                    continue
                with transaction.atomic():
                    _record, created = write.run()
            except ValidationError as error:
                errors.extend(_errors(index, error))
                continue
            except IntegrityError:
                message = _("The record conflicts with existing data.")
                errors.append({"index": index, "field": NON_FIELD_ERRORS, "message": message})
                continue
            result["created" if created else "updated"] += 1
        if errors or payload.dry_run:
            transaction.set_rollback(True)
    if errors:
        bad = len({error["index"] for error in errors})
        detail = _("%(bad)s of %(count)s items are not valid; nothing was imported.") % {
            "bad": bad,
            "count": len(payload.items),
        }
        return Status(
            422,
            {
                **result,
                "created": 0,
                "updated": 0,
                "unchanged": 0,
                "detail": detail,
                "errors": errors,
            },
        )
    return {**result, "errors": []}
