"""``/companies``: list with filters, read, create with contact address, change, archive."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Status

from merkur.addresses.models import Address
from merkur.companies import access, services
from merkur.companies.api.schemas import (
    CompanyIn,
    CompanyOut,
    CompanyPage,
    CompanyPatch,
    CompanyQuery,
)
from merkur.companies.api.serialize import company_out, load_company, with_company_details
from merkur.companies.models import (
    Company,
    CompanyClass,
    Industry,
    InterestArea,
    LegalForm,
    SalesRep,
)
from merkur.companies.queries import COMPANY_SORTS
from merkur.core.api.errors import LIST_ERRORS, READ_ERRORS, UPDATE_ERRORS, WRITE_ERRORS
from merkur.core.api.pagination import paginate
from merkur.core.api.schemas import clean_values, resolve_ids

router = Router(tags=["Companies"])

COMPANY_REFS = {
    "legal_form": LegalForm,
    "company_class": CompanyClass,
    "sales_rep": SalesRep,
    "industries": Industry,
    "interest_areas": InterestArea,
}


def _company_data(payload, company: Company | None = None) -> dict:
    """The company's fields as the services take them (records for ids)."""
    data = payload.model_dump(exclude_unset=True, exclude={"contact_address", "version"})
    return resolve_ids(clean_values(data, Company), COMPANY_REFS, instance=company)


def _contact_address_errors(error: ValidationError) -> ValidationError:
    """Name the contact address's fields as the request does: ``contact_address.city``."""
    if not hasattr(error, "error_dict"):
        return error
    renamed = {}
    for field, messages in error.message_dict.items():
        key = f"contact_address.{field}" if field in services.ADDRESS_FIELDS else field
        renamed[key] = messages
    return ValidationError(renamed)


@router.get("", response={200: CompanyPage, **LIST_ERRORS}, summary="List companies")
def list_companies(request: HttpRequest, filters: Query[CompanyQuery]):
    """Filtered, sorted and paged by cursor; the count stops at a cap on large tables."""
    access.check_can_view(request)
    queryset = filters.apply_attribute_filter(filters.to_filter().apply())
    return paginate(
        with_company_details(queryset),
        COMPANY_SORTS[filters.sort],
        page=filters,
        serialize=company_out,
        count_queryset=queryset,
    )


@router.post(
    "",
    response={201: CompanyOut, **WRITE_ERRORS},
    summary="Create a company with its contact address",
)
def create_company(request: HttpRequest, payload: CompanyIn):
    access.check_can_edit(request)
    address = payload.contact_address.model_dump(exclude_unset=True)
    data = _company_data(payload)
    try:
        company = services.company_create(
            data=data, address=clean_values(address, Address), by=request.auth
        )
    except ValidationError as error:
        raise _contact_address_errors(error) from None
    return Status(201, company_out(load_company(company.pk)))


@router.get("/{company_id}", response={200: CompanyOut, **READ_ERRORS}, summary="Get a company")
def get_company(request: HttpRequest, company_id: int):
    company = access.get_company_for(request, company_id)
    return company_out(load_company(company.pk))


@router.patch(
    "/{company_id}",
    response={200: CompanyOut, **UPDATE_ERRORS},
    summary="Change a company",
    description="Only the fields sent are changed. Send `version` to refuse a stale edit "
    "(409 with what changed meanwhile). The contact address is changed through "
    "`PATCH /addresses/{id}`.",
)
def update_company(request: HttpRequest, company_id: int, payload: CompanyPatch):
    company = access.get_company_for(request, company_id, write=True)
    services.company_update(
        company=company,
        data=_company_data(payload, company),
        expected_version=payload.version,
        by=request.auth,
    )
    return company_out(load_company(company.pk))


@router.delete(
    "/{company_id}",
    response={200: CompanyOut, **WRITE_ERRORS},
    summary="Archive a company",
    description="Companies are archived, not deleted; `POST …/restore` brings one back.",
)
def archive_company(request: HttpRequest, company_id: int):
    company = access.get_company_for(request, company_id, write=True)
    services.company_archive(company=company, by=request.auth)
    return company_out(load_company(company.pk))


@router.post(
    "/{company_id}/restore",
    response={200: CompanyOut, **WRITE_ERRORS},
    summary="Restore an archived company",
)
def restore_company(request: HttpRequest, company_id: int):
    company = access.get_company_for(request, company_id, write=True)
    services.company_restore(company=company, by=request.auth)
    return company_out(load_company(company.pk))
