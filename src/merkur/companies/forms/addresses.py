"""Forms for postal addresses and their role for a company."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from merkur.addresses.models import Address
from merkur.companies.forms.base import MerkurForm, VersionMixin, model_field
from merkur.companies.models import CompanyAddress, Person
from merkur.companies.services import ADDRESS_FIELDS

Kind = CompanyAddress.Kind


def address_initial(address: Address | None) -> dict:
    if address is None:
        return {"country": settings.MERKUR_HOME_COUNTRY}
    values = {name: getattr(address, name) for name in ADDRESS_FIELDS}
    values["country"] = str(address.country.code or "")
    values["version"] = address.version
    return values


class AddressForm(MerkurForm):
    """The fields of an address record; the country's postal rules are checked on save."""

    street = model_field(Address, "street")
    street2 = model_field(Address, "street2")
    po_box = model_field(Address, "po_box")
    postal_code = model_field(Address, "postal_code")
    city = model_field(Address, "city")
    region = model_field(Address, "region")
    country = model_field(Address, "country")

    def __init__(self, *args, address: Address | None = None, **kwargs):
        kwargs.setdefault("initial", address_initial(address))
        super().__init__(*args, **kwargs)
        self.fields["postal_code"].widget.attrs["autocomplete"] = "postal-code"
        self.fields["street"].widget.attrs["autocomplete"] = "address-line1"
        self.fields["city"].widget.attrs["autocomplete"] = "address-level2"

    def clean(self):
        cleaned = super().clean()
        if self.checks_postal_rules() and not any(name in self.errors for name in ADDRESS_FIELDS):
            # The country's rules right away, so that all mistakes show at once;
            # the services check them again when saving.
            candidate = Address(**{name: cleaned.get(name) or "" for name in ADDRESS_FIELDS})
            try:
                candidate.clean()
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned

    def checks_postal_rules(self) -> bool:
        return True

    def address_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in ADDRESS_FIELDS}


class AddressEditForm(VersionMixin, AddressForm):
    """Changing an existing address record (it may be shared by several companies)."""


class CompanyAddressForm(AddressForm):
    """A new delivery, billing or employee address of a company."""

    label = model_field(CompanyAddress, "label")
    is_default = forms.BooleanField(
        label=_("Default address of this kind"),
        required=False,
        help_text=_("The previous default loses the flag."),
    )
    person = forms.ModelChoiceField(queryset=Person.objects.none(), label=_("Person"))

    def __init__(self, *args, company, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == Kind.EMPLOYEE:
            # One own address per person: offer only those without one.
            self.fields["person"].queryset = (
                company.people.active()
                .exclude(address_links__kind=Kind.EMPLOYEE)
                .select_related("title")
                .order_by("sort_name", "id")
            )
            del self.fields["is_default"]
        else:
            del self.fields["person"]
        self.order_fields(["person", "label", *ADDRESS_FIELDS])
        # The first field got the autofocus before reordering; give it to the new first.
        for field in self.fields.values():
            field.widget.attrs.pop("autofocus", None)
        next(iter(self.fields.values())).widget.attrs["autofocus"] = True
