"""Records → API response bodies, and the querysets that load what they need in few queries."""

from django.db.models import Prefetch, QuerySet

from merkur.addresses.models import Address
from merkur.companies.models import Company, CompanyAddress, Person
from merkur.core.api.schemas import ref, refs

Kind = CompanyAddress.Kind


def address_out(address: Address) -> dict:
    return {
        "id": address.pk,
        "street": address.street,
        "street2": address.street2,
        "po_box": address.po_box,
        "postal_code": address.postal_code,
        "city": address.city,
        "region": address.region,
        "country": str(address.country.code or ""),
        "lines": address.lines(),
        "version": address.version,
    }


def link_out(link: CompanyAddress) -> dict:
    return {
        "id": link.pk,
        "kind": link.kind,
        "is_default": link.is_default,
        "label": link.label,
        "person": ref(link.person),
        "address": address_out(link.address),
    }


def with_company_details(queryset: QuerySet) -> QuerySet:
    contact = CompanyAddress.objects.filter(kind=Kind.CONTACT).select_related("address")
    return queryset.select_related("legal_form", "company_class", "sales_rep").prefetch_related(
        "industries",
        "interest_areas",
        Prefetch("address_links", queryset=contact, to_attr="contact_links"),
    )


def company_out(company: Company) -> dict:
    if hasattr(company, "contact_links"):
        contact = company.contact_links[0] if company.contact_links else None
    else:
        contact = company.contact_link()
    return {
        "id": company.pk,
        "name": company.name,
        "name2": company.name2,
        "number": company.number,
        "legal_form": ref(company.legal_form),
        "roles": company.role_list,
        "phone": company.phone,
        "fax": company.fax,
        "email": company.email,
        "website": company.website,
        "vat_id": company.vat_id,
        "employees": company.employees,
        "notes": company.notes,
        "company_class": ref(company.company_class),
        "sales_rep": ref(company.sales_rep),
        "industries": refs(company.industries.all()),
        "interest_areas": refs(company.interest_areas.all()),
        "contact_address": address_out(contact.address) if contact else None,
        "country": company.country,
        "postal_code": company.postal_code,
        "city": company.city,
        "archived_at": company.archived_at,
        "created_at": company.created_at,
        "updated_at": company.updated_at,
        "version": company.version,
    }


def load_company(pk: int) -> Company:
    return with_company_details(Company.objects.all()).get(pk=pk)


def with_person_details(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("company", "salutation", "title").prefetch_related(
        "functions", "person_codes"
    )


def person_out(person: Person) -> dict:
    return {
        "id": person.pk,
        "company": ref(person.company),
        "salutation": ref(person.salutation),
        "title": ref(person.title),
        "first_name": person.first_name,
        "last_name": person.last_name,
        "full_name": person.full_name,
        "letter_salutation": person.letter_salutation,
        "letter_salutation_custom": person.letter_salutation_custom,
        "functions": refs(person.functions.all()),
        "person_codes": refs(person.person_codes.all()),
        "department": person.department,
        "language": person.language,
        "email": person.email,
        "phone": person.phone,
        "mobile": person.mobile,
        "fax": person.fax,
        "marketing_consent_at": person.marketing_consent_at,
        "marketing_opt_out_at": person.marketing_opt_out_at,
        "notes": person.notes,
        "archived_at": person.archived_at,
        "created_at": person.created_at,
        "updated_at": person.updated_at,
        "version": person.version,
    }


def load_person(pk: int) -> Person:
    return with_person_details(Person.objects.all()).get(pk=pk)
