"""``/attributes``: the attribute master (Attribut-Stamm) and the choices of choice attributes."""

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import HttpError

from merkur.attributes import services
from merkur.attributes.api.schemas import (
    ChoiceIn,
    ChoiceOut,
    ChoicePatch,
    DefinitionIn,
    DefinitionOut,
    DefinitionPage,
    DefinitionPatch,
    DefinitionQuery,
)
from merkur.attributes.models import AttributeChoice, AttributeDefinition, AttributeValue
from merkur.core.api.auth import require_capability
from merkur.core.api.errors import (
    LIST_ERRORS,
    READ_ERRORS,
    UPDATE_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
)
from merkur.core.api.pagination import paginate
from merkur.core.pagination import Ordering
from merkur.core.roles import Capability

router = Router(tags=["Attributes"])

ORDERING = Ordering(("group", "sort_order", "code", "id"))
TYPE_HELP = (
    "Changing the type (or single/several values, or what a link points to) is refused "
    "with 422 once values exist: create a new attribute and deactivate the old one."
)


def with_details(queryset):
    return queryset.prefetch_related(
        Prefetch("choices", queryset=AttributeChoice.objects.order_by("sort_order", "label"))
    ).annotate(in_use=Exists(AttributeValue.objects.filter(definition=OuterRef("pk"))))


def choice_out(choice: AttributeChoice) -> dict:
    return {
        "id": choice.pk,
        "label": choice.label,
        "sort_order": choice.sort_order,
        "is_active": choice.is_active,
    }


def definition_out(definition: AttributeDefinition) -> dict:
    data = {name: getattr(definition, name) for name in services.DEFINITION_FIELDS}
    data["id"] = definition.pk
    data["version"] = definition.version
    data["choices"] = [choice_out(c) for c in definition.choices.all()]
    data["in_use"] = definition.in_use
    return data


def _load(definition_id: int) -> AttributeDefinition:
    return get_object_or_404(with_details(AttributeDefinition.objects.all()), pk=definition_id)


@router.get("", response={200: DefinitionPage, **LIST_ERRORS}, summary="List attributes")
def list_attributes(request: HttpRequest, filters: Query[DefinitionQuery]):
    """The attribute master, ordered by group and order on the record page."""
    require_capability(request, Capability.VIEW_RECORDS)
    queryset = AttributeDefinition.objects.all()
    if filters.applies_to == "companies":
        queryset = queryset.for_companies()
    elif filters.applies_to == "people":
        queryset = queryset.for_people()
    if filters.active is not None:
        queryset = queryset.filter(is_active=filters.active)
    if filters.type is not None:
        queryset = queryset.filter(type=filters.type)
    return paginate(
        with_details(queryset),
        ORDERING,
        page=filters,
        serialize=definition_out,
        count_queryset=queryset,
    )


@router.post(
    "",
    response={201: DefinitionOut, **WRITE_ERRORS},
    summary="Create an attribute",
    description="Choice attributes take their choices' labels in `choices`.",
)
def create_attribute(request: HttpRequest, payload: DefinitionIn):
    require_capability(request, Capability.MANAGE_MASTER_DATA)
    data = payload.model_dump(exclude={"choices"})
    if payload.choices and data["type"] not in ("choice", "multi_choice"):
        raise ValidationError({"choices": [_("Only choice attributes have choices.")]})
    try:
        definition = services.definition_create(data=data, choices=payload.choices, by=request.auth)
    except ValidationError as error:
        # A bad label reaches us from ``choice_add`` as ``label``: name the request's field.
        if hasattr(error, "error_dict") and set(error.error_dict) == {"label"}:
            raise ValidationError({"choices": error.message_dict["label"]}) from None
        raise
    return Status(201, definition_out(_load(definition.pk)))


@router.get(
    "/{attribute_id}", response={200: DefinitionOut, **READ_ERRORS}, summary="Get an attribute"
)
def get_attribute(request: HttpRequest, attribute_id: int):
    require_capability(request, Capability.VIEW_RECORDS)
    return definition_out(_load(attribute_id))


@router.patch(
    "/{attribute_id}",
    response={200: DefinitionOut, **UPDATE_ERRORS},
    summary="Change an attribute",
    description="Only the fields sent are changed; send `version` to refuse a stale edit "
    "(409). Deactivating hides the attribute from entry and keeps its history. " + TYPE_HELP,
)
def update_attribute(request: HttpRequest, attribute_id: int, payload: DefinitionPatch):
    require_capability(request, Capability.MANAGE_MASTER_DATA)
    definition = get_object_or_404(AttributeDefinition, pk=attribute_id)
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    for name, value in list(data.items()):
        if value is None and name not in ("min_value", "max_value"):
            # ``null`` for a text clears it; for the rest it means "unchanged".
            if isinstance(getattr(definition, name), str):
                data[name] = ""
            else:
                del data[name]
    services.definition_update(
        definition=definition, data=data, expected_version=payload.version, by=request.auth
    )
    return definition_out(_load(attribute_id))


@router.delete(
    "/{attribute_id}",
    response={204: None, 409: ErrorOut, **WRITE_ERRORS},
    summary="Delete an unused attribute",
    description="Refused with 409 once values exist; deactivate it instead.",
)
def delete_attribute(request: HttpRequest, attribute_id: int):
    require_capability(request, Capability.MANAGE_MASTER_DATA)
    definition = get_object_or_404(AttributeDefinition, pk=attribute_id)
    try:
        services.definition_delete(definition=definition, by=request.auth)
    except ValidationError as error:
        raise HttpError(409, " ".join(error.messages)) from None
    return Status(204, None)


# --- choices -------------------------------------------------------------------------------


@router.get(
    "/{attribute_id}/choices",
    response={200: list[ChoiceOut], **READ_ERRORS},
    summary="List an attribute's choices",
    description="Deactivated choices too (`is_active` false): old values still use them.",
)
def list_choices(request: HttpRequest, attribute_id: int):
    require_capability(request, Capability.VIEW_RECORDS)
    definition = get_object_or_404(AttributeDefinition, pk=attribute_id)
    return [choice_out(c) for c in definition.choices.order_by("sort_order", "label")]


@router.post(
    "/{attribute_id}/choices",
    response={201: ChoiceOut, **WRITE_ERRORS},
    summary="Add a choice",
)
def add_choice(request: HttpRequest, attribute_id: int, payload: ChoiceIn):
    require_capability(request, Capability.MANAGE_MASTER_DATA)
    definition = get_object_or_404(AttributeDefinition, pk=attribute_id)
    choice = services.choice_add(
        definition=definition, label=payload.label, sort_order=payload.sort_order, by=request.auth
    )
    return Status(201, choice_out(choice))


@router.patch(
    "/{attribute_id}/choices/{choice_id}",
    response={200: ChoiceOut, **WRITE_ERRORS},
    summary="Rename or (de)activate a choice",
    description="Values keep pointing at the choice, so history stays intact.",
)
def update_choice(request: HttpRequest, attribute_id: int, choice_id: int, payload: ChoicePatch):
    require_capability(request, Capability.MANAGE_MASTER_DATA)
    choice = get_object_or_404(
        AttributeChoice.objects.select_related("definition"),
        pk=choice_id,
        definition_id=attribute_id,
    )
    choice = services.choice_update(
        choice=choice, label=payload.label, is_active=payload.is_active, by=request.auth
    )
    return choice_out(choice)
