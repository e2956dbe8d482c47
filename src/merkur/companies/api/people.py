"""``/people``: the people of companies — list, read, create, change, move, archive."""

from django.http import HttpRequest
from ninja import Query, Router, Status

from merkur.companies import access, services
from merkur.companies.api.schemas import (
    PersonIn,
    PersonMoveIn,
    PersonOut,
    PersonPage,
    PersonPatch,
    PersonQuery,
)
from merkur.companies.api.serialize import load_person, person_out, with_person_details
from merkur.companies.models import Company, Function, Person, PersonCode, Salutation, Title
from merkur.companies.queries import PERSON_SORTS
from merkur.core.api.errors import LIST_ERRORS, READ_ERRORS, UPDATE_ERRORS, WRITE_ERRORS
from merkur.core.api.pagination import paginate
from merkur.core.api.schemas import clean_values, resolve_ids

router = Router(tags=["People"])

PERSON_REFS = {
    "salutation": Salutation,
    "title": Title,
    "functions": Function,
    "person_codes": PersonCode,
}


def _person_data(payload, person: Person | None = None) -> dict:
    """The person's fields as the services take them (records for ids)."""
    data = payload.model_dump(exclude_unset=True, exclude={"company", "version"})
    # Sending a letter salutation means "use this one" unless the client says otherwise.
    if data.get("letter_salutation") and "letter_salutation_custom" not in data:
        data["letter_salutation_custom"] = True
    return resolve_ids(clean_values(data, Person), PERSON_REFS, instance=person)


@router.get("", response={200: PersonPage, **LIST_ERRORS}, summary="List people")
def list_people(request: HttpRequest, filters: Query[PersonQuery]):
    """Filtered by the person and by their company's place; paged by cursor."""
    access.check_can_view(request)
    queryset = filters.apply_attribute_filter(filters.to_filter().apply())
    return paginate(
        with_person_details(queryset),
        PERSON_SORTS[filters.sort],
        page=filters,
        serialize=person_out,
        count_queryset=queryset,
    )


@router.post("", response={201: PersonOut, **WRITE_ERRORS}, summary="Add a person to a company")
def create_person(request: HttpRequest, payload: PersonIn):
    access.check_can_edit(request)
    company = resolve_ids({"company": payload.company}, {"company": Company})["company"]
    person = services.person_create(company=company, data=_person_data(payload), by=request.auth)
    return Status(201, person_out(load_person(person.pk)))


@router.get("/{person_id}", response={200: PersonOut, **READ_ERRORS}, summary="Get a person")
def get_person(request: HttpRequest, person_id: int):
    person = access.get_person_for(request, person_id)
    return person_out(load_person(person.pk))


@router.patch(
    "/{person_id}",
    response={200: PersonOut, **UPDATE_ERRORS},
    summary="Change a person",
    description="Only the fields sent are changed. Send `version` to refuse a stale edit "
    "(409 with what changed meanwhile). Moving to another company: `POST …/move`.",
)
def update_person(request: HttpRequest, person_id: int, payload: PersonPatch):
    person = access.get_person_for(request, person_id, write=True)
    services.person_update(
        person=person,
        data=_person_data(payload, person),
        expected_version=payload.version,
        by=request.auth,
    )
    return person_out(load_person(person.pk))


@router.delete(
    "/{person_id}",
    response={200: PersonOut, **WRITE_ERRORS},
    summary="Archive a person",
    description="People are archived, not deleted; `POST …/restore` brings one back.",
)
def archive_person(request: HttpRequest, person_id: int):
    person = access.get_person_for(request, person_id, write=True)
    services.person_archive(person=person, by=request.auth)
    return person_out(load_person(person.pk))


@router.post(
    "/{person_id}/restore",
    response={200: PersonOut, **WRITE_ERRORS},
    summary="Restore an archived person",
)
def restore_person(request: HttpRequest, person_id: int):
    person = access.get_person_for(request, person_id, write=True)
    services.person_restore(person=person, by=request.auth)
    return person_out(load_person(person.pk))


@router.post(
    "/{person_id}/move",
    response={200: PersonOut, **WRITE_ERRORS},
    summary="Move a person to another company",
    description="The person's own address goes with them.",
)
def move_person(request: HttpRequest, person_id: int, payload: PersonMoveIn):
    person = access.get_person_for(request, person_id, write=True)
    target = resolve_ids({"company": payload.company}, {"company": Company})["company"]
    services.person_move(person=person, to_company=target, by=request.auth)
    return person_out(load_person(person.pk))
