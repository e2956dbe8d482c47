"""The filter forms of the company and people lists.

Their GET parameters are a contract (bookmarks, the benchmark, other pages
link to filtered lists): ``q``, ``role``, ``industry``, ``interest_area``,
``company_class``, ``sales_rep``, ``country``, ``postal_code``, ``city``,
``function``, ``archived``, ``sort``, ``cursor`` (companies) and ``q``,
``company``, ``function``, ``person_code``, ``country``, ``postal_code``,
``city``, ``opted_out``, ``archived``, ``sort``, ``cursor`` (people).

A bad value never breaks the list: the field shows its error and the list is
filtered by the fields that are valid.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from merkur.attributes.filters import AttributeFilterMixin
from merkur.companies.forms.base import MerkurForm
from merkur.companies.models import (
    Company,
    CompanyClass,
    CompanyRole,
    Function,
    Industry,
    InterestArea,
    PersonCode,
    SalesRep,
)
from merkur.companies.queries import COMPANY_SORTS, PERSON_SORTS, CompanyFilter, PersonFilter
from merkur.core.masterdata import choices_for
from merkur.core.widgets import LongSelect

MAX_ID_DIGITS = 18  # beyond that not a key of ours, and too big for the database
ARCHIVED_CHOICES = [
    ("no", _("Current only")),
    ("yes", _("Current and archived")),
    ("only", _("Archived only")),
]


class CountryField(forms.ChoiceField):
    """An ISO country code; ``de`` is read as ``DE``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", LongSelect)
        super().__init__(choices=[("", _("All countries")), *countries], required=False, **kwargs)

    def to_python(self, value) -> str:
        return super().to_python(value).strip().upper()


def _ids(data, key: str) -> list[int]:
    """The well-formed ids among the submitted ones (to keep inactive entries selectable)."""
    if not data:
        return []
    return [int(v) for v in data.getlist(key) if v.isdigit() and len(v) <= MAX_ID_DIGITS]


class ListFilterForm(MerkurForm):
    """Shared behaviour: always bound to the query string, never required."""

    autofocus = False
    sorts: dict = {}

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):  # also SelectMultiple
                field.widget.attrs["class"] = "form-select form-select-sm"
            elif not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-control form-control-sm"

    def valid(self) -> dict:
        """The cleaned values of the fields that passed, so one bad field spoils nothing."""
        self.is_valid()
        return self.cleaned_data

    def sort(self) -> str:
        return self.valid().get("sort") or next(iter(self.sorts))

    def _master(self, name: str, model, key: str, *, multiple: bool, label) -> None:
        queryset = choices_for(model, current=_ids(self.data, key))
        if multiple:
            self.fields[name] = forms.ModelMultipleChoiceField(
                queryset=queryset, required=False, label=label
            )
        else:
            self.fields[name] = forms.ModelChoiceField(
                queryset=queryset, required=False, label=label, empty_label=_("All")
            )


class CompanyFilterForm(AttributeFilterMixin, ListFilterForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    role = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=CompanyRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    country = CountryField(label=_("Country"))
    postal_code = forms.CharField(label=_("Postal code begins with"), required=False, max_length=20)
    city = forms.CharField(label=_("City begins with"), required=False, max_length=100)
    archived = forms.ChoiceField(label=_("Archived"), choices=ARCHIVED_CHOICES, required=False)
    sort = forms.ChoiceField(
        choices=[(key, key) for key in COMPANY_SORTS], required=False, widget=forms.HiddenInput
    )
    cursor = forms.CharField(required=False, widget=forms.HiddenInput, max_length=1000)

    sorts = COMPANY_SORTS
    field_order = [
        "q", "role", "industry", "interest_area", "company_class", "sales_rep", "function",
        "country", "postal_code", "city", "archived",
    ]  # fmt: skip

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self._master("industry", Industry, "industry", multiple=True, label=_("Industries"))
        self._master(
            "interest_area", InterestArea, "interest_area", multiple=True, label=_("Interest areas")
        )
        self._master(
            "company_class", CompanyClass, "company_class", multiple=False, label=_("Class")
        )
        self._master(
            "sales_rep", SalesRep, "sales_rep", multiple=False, label=_("Sales representative")
        )
        self._master("function", Function, "function", multiple=False, label=_("Has a person with"))
        for name in ("industry", "interest_area", "company_class", "sales_rep", "function"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        self.order_fields(self.field_order)
        self.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})
        self.fields["role"].widget.attrs["class"] = "form-check-input"
        self.add_attribute_fields()

    def to_filter(self) -> CompanyFilter:
        values = self.valid()

        def pk(name: str) -> int | None:
            entry = values.get(name)
            return entry.pk if entry else None

        return CompanyFilter(
            q=values.get("q", ""),
            roles=list(values.get("role") or []),
            industries=[entry.pk for entry in values.get("industry") or []],
            interest_areas=[entry.pk for entry in values.get("interest_area") or []],
            company_class=pk("company_class"),
            sales_rep=pk("sales_rep"),
            country=values.get("country", ""),
            postal_code=values.get("postal_code", ""),
            city=values.get("city", ""),
            function=pk("function"),
            archived=values.get("archived") or "no",
            attribute=self.attribute_condition(),
        )


OPTED_OUT_CHOICES = [("", _("All")), ("no", _("Not objected")), ("yes", _("Objected"))]


class PersonFilterForm(AttributeFilterMixin, ListFilterForm):
    attribute_owner = "person"
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    company = forms.IntegerField(
        label=_("Company"),
        required=False,
        min_value=1,
        max_value=10**MAX_ID_DIGITS,
        widget=forms.HiddenInput,
    )
    country = CountryField(label=_("Country"))
    postal_code = forms.CharField(label=_("Postal code begins with"), required=False, max_length=20)
    city = forms.CharField(label=_("City begins with"), required=False, max_length=100)
    opted_out = forms.ChoiceField(
        label=_("Marketing objection"), choices=OPTED_OUT_CHOICES, required=False
    )
    archived = forms.ChoiceField(label=_("Archived"), choices=ARCHIVED_CHOICES, required=False)
    sort = forms.ChoiceField(
        choices=[(key, key) for key in PERSON_SORTS], required=False, widget=forms.HiddenInput
    )
    cursor = forms.CharField(required=False, widget=forms.HiddenInput, max_length=1000)

    sorts = PERSON_SORTS
    field_order = [
        "q", "company", "function", "person_code", "country", "postal_code", "city",
        "opted_out", "archived",
    ]  # fmt: skip

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self._master("function", Function, "function", multiple=True, label=_("Functions"))
        self._master(
            "person_code", PersonCode, "person_code", multiple=True, label=_("Person codes")
        )
        for name in ("function", "person_code"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        self.order_fields(self.field_order)
        self.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})
        self.add_attribute_fields()

    def clean_company(self) -> Company | None:
        pk = self.cleaned_data["company"]
        if pk is None:
            return None
        company = Company.objects.filter(pk=pk).only("pk", "name", "name2").first()
        if company is None:
            raise forms.ValidationError(_("This company does not exist."))
        return company

    def to_filter(self) -> PersonFilter:
        values = self.valid()
        opted_out = {"yes": True, "no": False}.get(values.get("opted_out") or "")
        company = values.get("company")
        return PersonFilter(
            q=values.get("q", ""),
            company=company.pk if company else None,
            functions=[entry.pk for entry in values.get("function") or []],
            person_codes=[entry.pk for entry in values.get("person_code") or []],
            country=values.get("country", ""),
            postal_code=values.get("postal_code", ""),
            city=values.get("city", ""),
            opted_out=opted_out,
            archived=values.get("archived") or "no",
            attribute=self.attribute_condition(),
        )
