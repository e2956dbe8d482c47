"""Addresses: a company's address links (``/companies/{id}/addresses``) and ``/addresses/{id}``."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from merkur.addresses.models import Address
from merkur.companies import access, services
from merkur.companies.api.schemas import (
    AddressLinkIn,
    AddressLinkOut,
    AddressOut,
    AddressPatch,
)
from merkur.companies.api.serialize import address_out, link_out
from merkur.companies.models import CompanyAddress, Person
from merkur.core.api.errors import READ_ERRORS, UPDATE_ERRORS, WRITE_ERRORS
from merkur.core.api.schemas import clean_values, resolve_ids

TAG = "Addresses"
links_router = Router(tags=[TAG])  # mounted under /companies
router = Router(tags=[TAG])  # mounted at /addresses


def _link_of(request: HttpRequest, company_id: int, link_id: int) -> CompanyAddress:
    access.get_company_for(request, company_id, write=True)
    link = access.get_address_link_for(request, link_id, write=True)
    if link.company_id != company_id:
        raise Http404
    return link


def _prefixed(error: ValidationError, prefix: str) -> ValidationError:
    """Name the new address's fields as the request does: ``address.postal_code``."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {
            f"{prefix}.{field}" if field in services.ADDRESS_FIELDS else field: messages
            for field, messages in error.message_dict.items()
        }
    )


@links_router.get(
    "/{company_id}/addresses",
    response={200: list[AddressLinkOut], **READ_ERRORS},
    summary="List a company's addresses",
    description="Contact, delivery, billing and employee addresses; defaults first per kind.",
)
def list_links(request: HttpRequest, company_id: int, kind: CompanyAddress.Kind | None = None):
    company = access.get_company_for(request, company_id)
    links = company.address_links.select_related("address", "person")
    if kind is not None:
        links = links.filter(kind=kind)
    return [link_out(link) for link in links]


@links_router.post(
    "/{company_id}/addresses",
    response={201: AddressLinkOut, **WRITE_ERRORS},
    summary="Add a delivery, billing or employee address",
    description="Send a new `address` or the `address_id` of an existing one to share it. "
    "The first address of a kind becomes its default; a new default takes the flag over.",
)
def add_link(request: HttpRequest, company_id: int, payload: AddressLinkIn):
    company = access.get_company_for(request, company_id, write=True)
    if (payload.address is None) == (payload.address_id is None):
        message = _("Send either a new address or the id of an existing one.")
        raise ValidationError({"address": [message]})
    refs = resolve_ids(
        {"address_id": payload.address_id, "person": payload.person},
        {"address_id": Address, "person": Person},
    )
    if payload.address is not None:
        address = clean_values(payload.address.model_dump(exclude_unset=True), Address)
    else:
        address = refs["address_id"]
    try:
        link = services.company_address_add(
            company=company,
            kind=payload.kind,
            address=address,
            is_default=payload.is_default,
            label=payload.label,
            person=refs["person"],
            by=request.auth,
        )
    except ValidationError as error:
        raise _prefixed(error, "address") from None
    return Status(201, link_out(link))


@links_router.post(
    "/{company_id}/addresses/{link_id}/default",
    response={200: AddressLinkOut, **WRITE_ERRORS},
    summary="Make an address the default of its kind",
)
def make_default(request: HttpRequest, company_id: int, link_id: int):
    link = services.company_address_set_default(
        link=_link_of(request, company_id, link_id), by=request.auth
    )
    link = CompanyAddress.objects.select_related("address", "person").get(pk=link.pk)
    return link_out(link)


@links_router.delete(
    "/{company_id}/addresses/{link_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Remove an address from a company",
    description="Removing the default promotes the next address of its kind. "
    "The contact address cannot be removed, only changed.",
)
def remove_link(request: HttpRequest, company_id: int, link_id: int):
    services.company_address_remove(link=_link_of(request, company_id, link_id), by=request.auth)
    return Status(204, None)


@router.get("/{address_id}", response={200: AddressOut, **READ_ERRORS}, summary="Get an address")
def get_address(request: HttpRequest, address_id: int):
    return address_out(access.get_address_for(request, address_id))


@router.patch(
    "/{address_id}",
    response={200: AddressOut, **UPDATE_ERRORS},
    summary="Change an address",
    description="Every company using the address (e.g. as contact address) follows. "
    "Send `version` to refuse a stale edit.",
)
def update_address(request: HttpRequest, address_id: int, payload: AddressPatch):
    address = access.get_address_for(request, address_id, write=True)
    data = clean_values(payload.model_dump(exclude_unset=True, exclude={"version"}), Address)
    address = services.address_update(
        address=address, data=data, expected_version=payload.version, by=request.auth
    )
    return address_out(address)
