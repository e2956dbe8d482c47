"""Address criteria: where the company is (its contact address).

People are selected by their company's contact address: the one a letter to
the company goes to and the one the company lists filter on (``Company.country``,
``postal_code``, ``city`` are kept from it).
"""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from merkur.companies.models import CompanyAddress
from merkur.selections.catalog import COMPANY, Criterion, register


@register
class Country(Criterion):
    key = "address.country"
    subject = COMPANY
    area = "address"
    label = _("Country")
    operators = {"in": "countries", "not_in": "countries"}

    def q(self, condition, context) -> Q:
        q = Q(country__in=condition.value)
        return ~q if condition.operator == "not_in" else q


@register
class PostalCode(Criterion):
    """Equals, one of, starts with (``66`` for 66xxx) or a range compared as text
    (``60000``–``69999``; codes of one country have one length)."""

    key = "address.postal_code"
    subject = COMPANY
    area = "address"
    label = _("Postal code")
    operators = {
        "equals": "text",
        "in": "texts",
        "starts_with": "text",
        "not_starts_with": "text",
        "between": "text_range",
    }

    def q(self, condition, context) -> Q:
        op, value = condition.operator, condition.value
        if op == "equals":
            return Q(postal_code=value)
        if op == "in":
            return Q(postal_code__in=value)
        if op == "between":
            return Q(postal_code__gte=value[0], postal_code__lte=value[1])
        q = Q(postal_code__startswith=value)
        return ~q if op == "not_starts_with" else q


@register
class City(Criterion):
    key = "address.city"
    subject = COMPANY
    area = "address"
    label = _("City")
    operators = {"equals": "text", "in": "texts", "starts_with": "text"}

    def q(self, condition, context) -> Q:
        op, value = condition.operator, condition.value
        if op == "equals":
            return Q(city__iexact=value)
        if op == "starts_with":
            return Q(city__istartswith=value)
        q = Q()
        for city in value:
            q |= Q(city__iexact=city)
        return q


@register
class Region(Criterion):
    key = "address.region"
    subject = COMPANY
    area = "address"
    label = _("Region")
    operators = {"in": "texts"}

    def q(self, condition, context) -> Q:
        q = Q()
        for region in condition.value:
            q |= Q(address__region__iexact=region)
        return Q(
            Exists(
                CompanyAddress.objects.filter(
                    q, company_id=OuterRef("pk"), kind=CompanyAddress.Kind.CONTACT
                )
            )
        )
