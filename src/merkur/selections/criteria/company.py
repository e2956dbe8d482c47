"""Company criteria: roles, classifications, representative, size, dates."""

from decimal import Decimal

from django.db.models import F, Q
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from merkur.companies.models import Company, CompanyRole
from merkur.selections.catalog import COMPANY, Criterion, register
from merkur.selections.criteria.common import choice_values, compare, membership


@register
class Role(Criterion):
    key = "company.role"
    subject = COMPANY
    area = "company"
    label = _("Role")
    operators = {"in": "texts", "not_in": "texts"}

    def clean_value(self, operator, value):
        return choice_values(value, CompanyRole.values)

    def choices_for(self, name: str) -> list[tuple[str, str]] | None:
        return CompanyRole.choices if name == "value" else None

    def q(self, condition, context) -> Q:
        mask = CompanyRole.to_mask(condition.value)
        q = Q(GreaterThan(F("roles").bitand(mask), 0))
        return ~q if condition.operator == "not_in" else q


class _Classification(Criterion):
    """A many-to-many master table of the company: has one of / none of the entries."""

    subject = COMPANY
    area = "company"
    relation: str

    def q(self, condition, context) -> Q:
        return membership(Company, self.relation, condition.operator, condition.value)


@register
class Industries(_Classification):
    key = "company.industries"
    label = _("Industries")
    operators = {"in": "records:companies.Industry", "not_in": "records:companies.Industry"}
    relation = "industries"


@register
class InterestAreas(_Classification):
    key = "company.interest_areas"
    label = _("Interest areas")
    operators = {
        "in": "records:companies.InterestArea",
        "not_in": "records:companies.InterestArea",
    }
    relation = "interest_areas"


class _Reference(Criterion):
    """A single master-table entry of the company (class, representative, legal form)."""

    subject = COMPANY
    area = "company"
    field: str

    def q(self, condition, context) -> Q:
        if condition.operator == "is_not_set":
            return Q(**{f"{self.field}__isnull": True})
        q = Q(**{f"{self.field}__in": condition.value})
        return ~q if condition.operator == "not_in" else q


@register
class CompanyClassCriterion(_Reference):
    key = "company.class"
    label = _("Company class")
    operators = {
        "in": "records:companies.CompanyClass",
        "not_in": "records:companies.CompanyClass",
        "is_not_set": "none",
    }
    field = "company_class"


@register
class SalesRepCriterion(_Reference):
    key = "company.sales_rep"
    label = _("Sales representative")
    operators = {
        "in": "records:companies.SalesRep",
        "not_in": "records:companies.SalesRep",
        "is_not_set": "none",
    }
    field = "sales_rep"


@register
class LegalFormCriterion(_Reference):
    key = "company.legal_form"
    label = _("Legal form")
    operators = {
        "in": "records:companies.LegalForm",
        "not_in": "records:companies.LegalForm",
        "is_not_set": "none",
    }
    field = "legal_form"


MAX_EMPLOYEES = 2**31 - 1  # the column's range


@register
class Size(Criterion):
    key = "company.employees"
    subject = COMPANY
    area = "company"
    label = _("Employees")
    operators = {
        "gte": "number",
        "lte": "number",
        "between": "number_range",
        "is_not_set": "none",
    }

    def clean_value(self, operator, value):
        numbers = value if isinstance(value, list) else [value]
        for number in numbers:
            if number is not None and (
                Decimal(number) != Decimal(number).to_integral_value()
                or not 0 <= Decimal(number) <= MAX_EMPLOYEES
            ):
                raise ValueError(
                    gettext_now("A number of employees is a whole number from 0 to %(max)s.")
                    % {"max": MAX_EMPLOYEES}
                )
        return value

    def q(self, condition, context) -> Q:
        if condition.operator == "is_not_set":
            return Q(employees__isnull=True)
        value = condition.value
        value = [int(Decimal(v)) for v in value] if isinstance(value, list) else int(Decimal(value))
        # Companies without a count are never "at least" or "at most" anything.
        return compare("employees", condition.operator, value) & Q(employees__isnull=False)


class _Stamp(Criterion):
    """When the company was created / last changed (days, both ends included)."""

    subject = COMPANY
    area = "company"
    operators = {"before": "date", "after": "date", "between": "date_range"}
    field: str

    def q(self, condition, context) -> Q:
        value = condition.value
        if condition.operator == "between":
            return Q(**{f"{self.field}__date__gte": value[0], f"{self.field}__date__lte": value[1]})
        lookup = "lt" if condition.operator == "before" else "gt"
        return Q(**{f"{self.field}__date__{lookup}": value})


@register
class Created(_Stamp):
    key = "company.created"
    label = _("Created")
    field = "created_at"


@register
class Changed(_Stamp):
    key = "company.changed"
    label = _("Changed")
    field = "updated_at"
