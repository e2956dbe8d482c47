"""Reading companies and people: the list filters and sort orders.

One place for the filters, used by the list pages, the API and exports alike.
Every filter is a condition on indexed columns of the company (or person) row,
or an EXISTS on an indexed relation, so lists stay fast on millions of rows.
"""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet

from merkur.companies.models import Company, Person
from merkur.core.pagination import Ordering


@dataclass
class CompanyFilter:
    """What a user can narrow the company list by (all optional, combined with AND)."""

    q: str = ""
    roles: list[str] = field(default_factory=list)  # any of
    industries: list[int] = field(default_factory=list)  # any of
    interest_areas: list[int] = field(default_factory=list)  # any of
    company_class: int | None = None
    sales_rep: int | None = None
    country: str = ""
    postal_code: str = ""  # prefix: "66" finds 66000–66999
    city: str = ""  # prefix, case-insensitive
    function: int | None = None  # has a person with this function
    archived: str = "no"  # "no", "yes" (both), "only"
    # An ``AttributeCondition`` (merkur.attributes.filters): attribute value as of a day.
    attribute: object | None = None

    def apply(self, queryset: QuerySet | None = None) -> QuerySet:
        qs = Company.objects.all() if queryset is None else queryset
        if self.archived == "no":
            qs = qs.filter(archived_at__isnull=True)
        elif self.archived == "only":
            qs = qs.filter(archived_at__isnull=False)
        if self.q:
            qs = qs.search(self.q)
        if self.roles:
            qs = qs.with_roles(self.roles)
        if self.industries:
            qs = qs.filter(
                _exists_through(Company.industries.through, "industry_id", self.industries)
            )
        if self.interest_areas:
            qs = qs.filter(
                _exists_through(
                    Company.interest_areas.through, "interestarea_id", self.interest_areas
                )
            )
        if self.company_class:
            qs = qs.filter(company_class_id=self.company_class)
        if self.sales_rep:
            qs = qs.filter(sales_rep_id=self.sales_rep)
        if self.country:
            qs = qs.filter(country=self.country.upper())
        if self.postal_code:
            qs = qs.filter(postal_code__startswith=self.postal_code.strip())
        if self.city:
            qs = qs.filter(city__istartswith=self.city.strip())
        if self.function:
            qs = qs.filter(
                Exists(
                    Person.functions.through.objects.filter(
                        person__company=OuterRef("pk"),
                        person__archived_at__isnull=True,
                        function_id=self.function,
                    )
                )
            )
        if self.attribute is not None:
            qs = self.attribute.apply(qs)
        return qs

    @property
    def is_empty(self) -> bool:
        return self == CompanyFilter()


def _exists_through(through, column: str, ids: list[int]) -> Exists:
    return Exists(through.objects.filter(company_id=OuterRef("pk"), **{f"{column}__in": ids}))


@dataclass
class PersonFilter:
    """What a user can narrow the people list by."""

    q: str = ""
    company: int | None = None
    functions: list[int] = field(default_factory=list)  # any of
    person_codes: list[int] = field(default_factory=list)  # any of
    country: str = ""
    postal_code: str = ""
    city: str = ""
    opted_out: bool | None = None
    archived: str = "no"
    attribute: object | None = None  # an ``AttributeCondition``, see CompanyFilter

    def apply(self, queryset: QuerySet | None = None) -> QuerySet:
        qs = Person.objects.all() if queryset is None else queryset
        if self.archived == "no":
            qs = qs.filter(archived_at__isnull=True)
        elif self.archived == "only":
            qs = qs.filter(archived_at__isnull=False)
        if self.q:
            qs = qs.search(self.q)
        if self.company:
            qs = qs.filter(company_id=self.company)
        if self.functions:
            qs = qs.filter(
                Exists(
                    Person.functions.through.objects.filter(
                        person_id=OuterRef("pk"), function_id__in=self.functions
                    )
                )
            )
        if self.person_codes:
            qs = qs.filter(
                Exists(
                    Person.person_codes.through.objects.filter(
                        person_id=OuterRef("pk"), personcode_id__in=self.person_codes
                    )
                )
            )
        if self.country:
            qs = qs.filter(company__country=self.country.upper())
        if self.postal_code:
            qs = qs.filter(company__postal_code__startswith=self.postal_code.strip())
        if self.city:
            qs = qs.filter(company__city__istartswith=self.city.strip())
        if self.opted_out is not None:
            qs = qs.filter(marketing_opt_out_at__isnull=not self.opted_out)
        if self.attribute is not None:
            qs = self.attribute.apply(qs)
        return qs


# Sort orders offered on the lists: key → keyset ordering (the pk breaks ties).
COMPANY_SORTS: dict[str, Ordering] = {
    "name": Ordering(("sort_name", "id")),
    "-name": Ordering(("-sort_name", "-id")),
    "number": Ordering(("number", "id")),
    "-number": Ordering(("-number", "-id")),
    "postal_code": Ordering(("country", "postal_code", "id")),
    "-postal_code": Ordering(("-country", "-postal_code", "-id")),
    "city": Ordering(("city", "id")),
    "-city": Ordering(("-city", "-id")),
}
PERSON_SORTS: dict[str, Ordering] = {
    "name": Ordering(("sort_name", "id")),
    "-name": Ordering(("-sort_name", "-id")),
}
