"""Business criteria: revenue and quantities in a period, open documents, articles bought.

Revenue in the base currency is ``figures.revenue_by_company``: one grouped
subquery, over the monthly aggregate for whole months (every relative period,
any year); other currencies go through ``figures.revenue``, which converts line
by line at each order's rate. A company without revenue (or without purchases) has 0:
"less than 1,000" includes it.
"""

from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from merkur.business import aggregates, figures, rates
from merkur.business.models import Document, DocumentKind, DocumentStatus, RevenueMonth
from merkur.companies.models import Company
from merkur.selections import periods
from merkur.selections.catalog import COMPANY, Criterion, YesNo, register
from merkur.selections.criteria.common import choice_values, compare

COMPARISONS = {
    "gte": "number",
    "gt": "number",
    "lte": "number",
    "lt": "number",
    "between": "number_range",
}


def _includes_zero(operator: str, value) -> bool:
    if operator == "between":
        return value[0] <= 0 <= value[1]
    return {"gte": value <= 0, "gt": value < 0, "lte": value >= 0, "lt": value > 0}[operator]


def compared(rows, field: str, condition) -> Q:
    """Companies whose ``field`` in the grouped ``rows`` (``company_id``, ``field``)
    compares as the condition asks; a company without a row has 0."""
    value = condition.value
    value = [Decimal(v) for v in value] if isinstance(value, list) else Decimal(value)
    test = compare(field, condition.operator, value)
    if _includes_zero(condition.operator, value):
        # 0 matches: every company but those whose figure does not.
        return ~Q(pk__in=rows.exclude(test).values("company_id"))
    return Q(pk__in=rows.filter(test).values("company_id"))


def _quantity_sum():
    # To the field's places: a threshold of exactly the sum must match on SQLite too.
    return figures.decimal_sum("quantity", figures.QUANTITY_PLACES)


def _period(condition, context):
    value = condition.params.get("period")
    return None if value is None else periods.resolve(value, context.today)


@register
class Revenue(Criterion):
    key = "business.revenue"
    subject = COMPANY
    area = "business"
    label = _("Revenue")
    operators = COMPARISONS
    params = {
        "period": ("period", True),
        "divisions": ("records:business.Division", False),
        "categories": ("records:business.ArticleCategory", False),
        "currency": ("currency", False),
    }

    described_inline = ("currency",)

    def describe(self, condition) -> str:
        currency = condition.params.get("currency") or rates.base_currency()
        return f"{self.describe_condition(condition)} {currency}{self.describe_params(condition)}"

    def q(self, condition, context) -> Q:
        period = _period(condition, context)
        divisions = condition.params.get("divisions")
        categories = condition.params.get("categories")
        currency = condition.params.get("currency") or rates.base_currency()
        if currency == rates.base_currency():
            rows = figures.revenue_by_company(period, divisions=divisions, categories=categories)
        else:
            revenue = figures.revenue(
                period, divisions=divisions, categories=categories, currency=currency
            )
            rows = Company.objects.annotate(revenue=revenue, company_id=F("pk"))
        return compared(rows, "revenue", condition)


@register
class Quantity(Criterion):
    """Quantity ordered (sales orders, not cancelled) of articles, divisions or categories —
    "bought more than five licences". Without a period: ever."""

    key = "business.quantity"
    subject = COMPANY
    area = "business"
    label = _("Quantity bought")
    operators = COMPARISONS
    params = {
        "period": ("period", False),
        "articles": ("records:business.Article", False),
        "divisions": ("records:business.Division", False),
        "categories": ("records:business.ArticleCategory", False),
    }

    def lines(self, condition, context):
        """The lines counted: sales orders not cancelled, in the period if one is given,
        of the articles / divisions / categories named (also what ``explain`` sums)."""
        lines = aggregates.revenue_lines()
        period = _period(condition, context)
        if period is not None:
            lines = lines.filter(document__date__range=(period.start, period.end))
        for name, field in (
            ("articles", "article_id"),
            ("divisions", "article__division_id"),
            ("categories", "article__category_id"),
        ):
            if condition.params.get(name):
                lines = lines.filter(**{f"{field}__in": condition.params[name]})
        return lines

    def monthly(self, condition, context):
        """The same sums from the monthly aggregate, when no article is named and the
        period is whole months (or none): a grouped scan of a few rows per company
        instead of every order line. ``None`` where the lines are needed."""
        if condition.params.get("articles"):
            return None
        rows = RevenueMonth.objects.all()
        period = _period(condition, context)
        if period is not None:
            months = figures.exact_months(period)
            if months is None:
                return None
            rows = rows.filter(month__range=months)
        if condition.params.get("divisions"):
            rows = rows.filter(division_id__in=condition.params["divisions"])
        if condition.params.get("categories"):
            rows = rows.filter(category_id__in=condition.params["categories"])
        return rows.values("company_id").annotate(quantity=_quantity_sum()).order_by()

    def q(self, condition, context) -> Q:
        monthly = self.monthly(condition, context)
        if monthly is not None:
            return compared(monthly, "quantity", condition)
        rows = (
            self.lines(condition, context)
            .values(company_id=F("document__company_id"))
            .annotate(quantity=_quantity_sum())
            .order_by()
        )
        return compared(rows, "quantity", condition)


@register
class OrdersOfArticle(Criterion):
    """Bought an article at least N times: the number of sales orders (not cancelled)
    with a line of one of the articles."""

    key = "business.orders_of_article"
    subject = COMPANY
    area = "business"
    label = _("Orders of an article")
    operators = COMPARISONS
    params = {"articles": ("records:business.Article", True), "period": ("period", False)}

    def orders(self, condition, context):
        """The orders counted (also what ``explain`` counts)."""
        orders = Document.objects.filter(
            kind=DocumentKind.ORDER, lines__article_id__in=condition.params["articles"]
        ).exclude(status=DocumentStatus.CANCELLED)
        period = _period(condition, context)
        if period is not None:
            orders = orders.filter(date__range=(period.start, period.end))
        return orders

    def q(self, condition, context) -> Q:
        rows = (
            self.orders(condition, context)
            .values("company_id")
            .annotate(orders=Count("pk", distinct=True))
            .order_by()
        )
        return compared(rows, "orders", condition)


OPEN = {
    DocumentKind.OFFER: [DocumentStatus.OPEN],
    DocumentKind.ORDER: [DocumentStatus.OPEN, DocumentStatus.ACCEPTED],
}


@register
class OpenDocument(YesNo):
    """Has an open offer (status open) or an open sales order (open or accepted)."""

    key = "business.open_document"
    subject = COMPANY
    area = "business"
    label = _("Has an open offer or order")
    params = {"kinds": ("texts", False)}

    def clean_params(self, params: dict) -> dict:
        if "kinds" in params:
            choice_values(params["kinds"], [DocumentKind.OFFER, DocumentKind.ORDER])
        return params

    def holds(self, condition, context) -> Q:
        wanted = Q()
        for kind in condition.params.get("kinds") or list(OPEN):
            wanted |= Q(kind=kind, status__in=OPEN[kind])
        return Q(Exists(Document.objects.filter(wanted, company_id=OuterRef("pk"))))
