"""Forms of the company, people and address pages."""

from merkur.companies.forms.addresses import AddressEditForm, AddressForm, CompanyAddressForm
from merkur.companies.forms.base import CONCURRENT_SAVE, apply_service_errors
from merkur.companies.forms.companies import CompanyEditForm, CompanyForm
from merkur.companies.forms.filters import CompanyFilterForm, PersonFilterForm
from merkur.companies.forms.people import (
    OwnAddressForm,
    PersonEditForm,
    PersonForm,
    PersonMoveForm,
)

__all__ = [
    "CONCURRENT_SAVE",
    "AddressEditForm",
    "AddressForm",
    "CompanyAddressForm",
    "CompanyEditForm",
    "CompanyFilterForm",
    "CompanyForm",
    "OwnAddressForm",
    "PersonEditForm",
    "PersonFilterForm",
    "PersonForm",
    "PersonMoveForm",
    "apply_service_errors",
]
