"""Access checks for companies, people and addresses — used by every view and API route."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from merkur.addresses.models import Address
from merkur.companies.models import Company, CompanyAddress, Person
from merkur.core.roles import Capability, has_capability


def _check(user, write: bool) -> None:
    capability = Capability.EDIT_RECORDS if write else Capability.VIEW_RECORDS
    if not has_capability(user, capability):
        raise PermissionDenied


def get_company_for(request, pk: int, *, write: bool = False) -> Company:
    """The company ``pk`` if the user may see it (``write``: change it); 404/403 otherwise."""
    _check(request.user, write)
    return get_object_or_404(Company.objects.select_related("legal_form"), pk=pk)


def get_person_for(request, pk: int, *, write: bool = False) -> Person:
    _check(request.user, write)
    return get_object_or_404(Person.objects.select_related("company"), pk=pk)


def get_address_link_for(request, pk: int, *, write: bool = False) -> CompanyAddress:
    _check(request.user, write)
    return get_object_or_404(CompanyAddress.objects.select_related("company", "address"), pk=pk)


def get_address_for(request, pk: int, *, write: bool = False) -> Address:
    _check(request.user, write)
    return get_object_or_404(Address, pk=pk)


def check_can_view(request) -> None:
    _check(request.user, False)


def check_can_edit(request) -> None:
    _check(request.user, True)
