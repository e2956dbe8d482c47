"""The form for creating and changing a company."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from merkur.companies.forms.base import MerkurForm, VersionMixin, master_choice, model_field
from merkur.companies.models import (
    Company,
    CompanyClass,
    CompanyRole,
    Industry,
    InterestArea,
    LegalForm,
    SalesRep,
)

PLAIN_FIELDS = [
    "name", "name2", "number", "phone", "fax", "email", "website", "vat_id", "employees",
]  # fmt: skip
CHOICE_FIELDS = ["legal_form", "company_class", "sales_rep"]
MULTI_FIELDS = ["industries", "interest_areas"]


class CompanyForm(MerkurForm):
    """All fields of a company (PRODUCT §1); the contact address is a separate form."""

    name = model_field(Company, "name")
    name2 = model_field(Company, "name2")
    number = model_field(Company, "number")
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=CompanyRole.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one role.")},
    )
    phone = model_field(Company, "phone")
    fax = model_field(Company, "fax")
    email = model_field(Company, "email")
    website = model_field(Company, "website")
    vat_id = model_field(Company, "vat_id")
    employees = model_field(Company, "employees")
    notes = model_field(Company, "notes", widget=forms.Textarea(attrs={"rows": 3}))

    field_order = [
        "name", "name2", "number", "legal_form", "roles", "phone", "fax", "email", "website",
        "vat_id", "employees", "industries", "interest_areas", "company_class", "sales_rep",
        "notes",
    ]  # fmt: skip

    def __init__(self, *args, company: Company | None = None, **kwargs):
        self.company = company
        if company is not None:
            kwargs.setdefault("initial", company_initial(company))
        initial = kwargs.get("initial") or {}
        super().__init__(*args, **kwargs)
        self.fields["legal_form"] = master_choice(
            LegalForm, current=[initial.get("legal_form")], label=_("Legal form")
        )
        self.fields["company_class"] = master_choice(
            CompanyClass, current=[initial.get("company_class")], label=_("Company class")
        )
        self.fields["sales_rep"] = master_choice(
            SalesRep, current=[initial.get("sales_rep")], label=_("Sales representative")
        )
        self.fields["industries"] = master_choice(
            Industry, current=initial.get("industries"), multiple=True, label=_("Industries")
        )
        self.fields["interest_areas"] = master_choice(
            InterestArea,
            current=initial.get("interest_areas"),
            multiple=True,
            label=_("Interest areas"),
        )
        # The fields added above need the Bootstrap classes too.
        for name in (*CHOICE_FIELDS, *MULTI_FIELDS):
            self.fields[name].widget.attrs["class"] = "form-select"
        self.order_fields(self.field_order)
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["email"].widget.attrs["autocomplete"] = "email"

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].strip()
        if number:
            others = Company.objects.filter(number=number)
            if self.company is not None:
                others = others.exclude(pk=self.company.pk)
            if others.exists():
                raise ValidationError(
                    _("Another company already has the number %(number)s."),
                    code="unique",
                    params={"number": number},
                )
        return number

    def company_data(self) -> dict:
        """The values in the shape ``services.company_create/update`` take."""
        data = {name: self.cleaned_data[name] for name in PLAIN_FIELDS + CHOICE_FIELDS}
        data["roles"] = list(self.cleaned_data["roles"])
        data["notes"] = self.cleaned_data["notes"]
        for name in MULTI_FIELDS:
            data[name] = list(self.cleaned_data[name])
        return data


class CompanyEditForm(VersionMixin, CompanyForm):
    """Changing a company: remembers the version the edit started from."""


def company_initial(company: Company) -> dict:
    values = {name: getattr(company, name) for name in [*PLAIN_FIELDS, "notes"]}
    values.update({name: getattr(company, f"{name}_id") for name in CHOICE_FIELDS})
    values["roles"] = company.role_list
    values["industries"] = list(company.industries.values_list("pk", flat=True))
    values["interest_areas"] = list(company.interest_areas.values_list("pk", flat=True))
    values["version"] = company.version
    return values
