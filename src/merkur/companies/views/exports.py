"""The company and people lists as CSV, Excel or PDF, filtered exactly like the pages."""

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_safe
from django_countries import countries

from merkur.companies.forms import CompanyFilterForm, PersonFilterForm
from merkur.companies.models import Company, CompanyAddress, Person
from merkur.companies.queries import COMPANY_SORTS, PERSON_SORTS
from merkur.core import listexport
from merkur.core.listexport import Column
from merkur.core.roles import Capability
from merkur.core.views import capability_required


def _contact_address(company: Company):
    links = getattr(company, "contact_links", None)
    return links[0].address if links else None


def _street(company: Company) -> str:
    address = _contact_address(company)
    if address is None:
        return ""
    return ", ".join(part for part in (address.street, address.street2) if part)


def _country(code: str) -> str:
    return str(countries.name(code)) if code else ""


def _names(items) -> str:
    return ", ".join(str(item) for item in items.all())


COMPANY_COLUMNS = [
    Column(gettext_lazy("Number"), lambda c: c.number, 10),
    Column(gettext_lazy("Name"), lambda c: c.display_name, 30),
    Column(gettext_lazy("Roles"), lambda c: c.role_labels, 16),
    Column(gettext_lazy("Street"), _street, 24),
    Column(gettext_lazy("Postal code"), lambda c: c.postal_code, 8),
    Column(gettext_lazy("City"), lambda c: c.city, 16),
    Column(gettext_lazy("Country"), lambda c: _country(c.country), 12),
    Column(gettext_lazy("Phone"), lambda c: c.phone, 16),
    Column(gettext_lazy("E-mail"), lambda c: c.email, 24),
    Column(gettext_lazy("Website"), lambda c: c.website, 20),
    Column(gettext_lazy("Industries"), lambda c: _names(c.industries), 20),
    Column(gettext_lazy("Class"), lambda c: c.company_class or "", 10),
    Column(gettext_lazy("Sales representative"), lambda c: c.sales_rep or "", 16),
    Column(gettext_lazy("Employees"), lambda c: c.employees, 8),
]

PERSON_COLUMNS = [
    Column(gettext_lazy("Last name"), lambda p: p.last_name, 16),
    Column(gettext_lazy("First name"), lambda p: p.first_name, 14),
    Column(gettext_lazy("Salutation"), lambda p: p.salutation or "", 8),
    Column(gettext_lazy("Title"), lambda p: p.title or "", 8),
    Column(gettext_lazy("Company"), lambda p: p.company.display_name, 26),
    Column(gettext_lazy("Functions"), lambda p: _names(p.functions), 18),
    Column(gettext_lazy("Department"), lambda p: p.department, 14),
    Column(gettext_lazy("E-mail"), lambda p: p.email, 24),
    Column(gettext_lazy("Phone"), lambda p: p.phone, 16),
    Column(gettext_lazy("Mobile"), lambda p: p.mobile, 16),
    Column(gettext_lazy("Postal code"), lambda p: p.company.postal_code, 8),
    Column(gettext_lazy("City"), lambda p: p.company.city, 16),
    Column(gettext_lazy("Country"), lambda p: _country(p.company.country), 12),
    Column(gettext_lazy("Letter salutation"), lambda p: p.letter_salutation, 24),
    Column(gettext_lazy("Objection to marketing"), lambda p: p.marketing_opt_out_at, 14),
]


@capability_required(Capability.VIEW_RECORDS)
@require_safe
def company_export(request: HttpRequest) -> HttpResponse:
    fmt = listexport.requested_format(request)
    if fmt is None:
        return listexport.unknown_format()
    form = CompanyFilterForm(request.GET)
    rows = (
        Company.objects.select_related("company_class", "sales_rep")
        .prefetch_related(
            "industries",
            Prefetch(
                "address_links",
                queryset=CompanyAddress.objects.filter(
                    kind=CompanyAddress.Kind.CONTACT
                ).select_related("address"),
                to_attr="contact_links",
            ),
        )
        .defer("search_text", "notes")
    )
    rows = form.to_filter().apply(rows).order_by(*COMPANY_SORTS[form.sort()].fields)
    listing = listexport.Listing(
        title=_("Companies"),
        columns=COMPANY_COLUMNS,
        rows=rows,
        filename=pgettext("file name", "companies"),
        description=listexport.describe_form(form),
        user=request.user,
    )
    return listexport.respond(listing, fmt)


@capability_required(Capability.VIEW_RECORDS)
@require_safe
def person_export(request: HttpRequest) -> HttpResponse:
    fmt = listexport.requested_format(request)
    if fmt is None:
        return listexport.unknown_format()
    form = PersonFilterForm(request.GET)
    rows = (
        Person.objects.select_related("company", "title", "salutation")
        .prefetch_related("functions")
        .defer("search_text", "notes", "company__search_text", "company__notes")
    )
    rows = form.to_filter().apply(rows).order_by(*PERSON_SORTS[form.sort()].fields)
    listing = listexport.Listing(
        title=_("People"),
        columns=PERSON_COLUMNS,
        rows=rows,
        filename=pgettext("file name", "people"),
        description=listexport.describe_form(form),
        user=request.user,
    )
    return listexport.respond(listing, fmt)
