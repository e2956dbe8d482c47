"""Stock and production criteria: batches, serial numbers, production runs.

All are about the company as customer (or, for "supplied batch", as supplier).
Each is one correlated ``EXISTS`` over the delivery lines, batches or article
instances — never an ``IN`` over a nullable column, whose NOT would drop every row
as soon as one instance has no customer.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from merkur.business.models import ArticleInstance, Batch, DeliveryLine
from merkur.business.queries import serial_range
from merkur.selections.catalog import COMPANY, Criterion, register
from merkur.selections.criteria.common import compare

ARTICLES = {"articles": ("records:business.Article", False)}


def _of_articles(instances, condition):
    articles = condition.params.get("articles")
    return instances.filter(article_id__in=articles) if articles else instances


def _received(instances) -> Q:
    """The company is the customer of one of ``instances``."""
    return Q(Exists(instances.filter(customer_id=OuterRef("pk"))))


@register
class BatchReceived(Criterion):
    """A delivery line from the batch, or an instance of it delivered to the company
    (instances can be known without their delivery lines, e.g. from an older ERP)."""

    key = "stock.batch_received"
    subject = COMPANY
    area = "stock"
    label = _("Received from batch")
    operators = {"in": "records:business.Batch"}

    def q(self, condition, context) -> Q:
        batches = condition.value
        lines = DeliveryLine.objects.filter(
            batch_id__in=batches, delivery__company_id=OuterRef("pk")
        )
        return Q(Exists(lines)) | _received(ArticleInstance.objects.filter(batch_id__in=batches))


@register
class BatchSupplied(Criterion):
    key = "stock.batch_supplied"
    subject = COMPANY
    area = "stock"
    label = _("Supplied batch")
    operators = {"in": "records:business.Batch"}

    def q(self, condition, context) -> Q:
        return Q(Exists(Batch.objects.filter(pk__in=condition.value, supplier_id=OuterRef("pk"))))


@register
class SerialRange(Criterion):
    """Received an instance whose serial number lies in a range (``SN-10000``–``SN-10999``,
    numbers compared as numbers, as ``business.queries.serial_range`` reads them)."""

    key = "stock.serial_range"
    subject = COMPANY
    area = "stock"
    label = _("Received serial numbers")
    operators = {"between": "text_range"}
    params = ARTICLES

    def clean_value(self, operator, value):
        try:
            serial_range(*value)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from None
        return value

    def q(self, condition, context) -> Q:
        return _received(_of_articles(serial_range(*condition.value), condition))


@register
class ProductionRun(Criterion):
    key = "stock.production_run"
    subject = COMPANY
    area = "stock"
    label = _("Received instances of production run")
    operators = {"in": "texts"}
    params = ARTICLES

    def q(self, condition, context) -> Q:
        instances = ArticleInstance.objects.filter(production_run__in=condition.value)
        return _received(_of_articles(instances, condition))


@register
class Produced(Criterion):
    """Received an instance produced on a day (both ends of a range included)."""

    key = "stock.produced"
    subject = COMPANY
    area = "stock"
    label = _("Received instances produced")
    operators = {"between": "date_range", "before": "date", "after": "date"}
    params = ARTICLES

    def clean_value(self, operator, value):
        if operator == "between" and value[0] > value[1]:
            raise ValueError(gettext("The range ends before it starts."))
        return value

    def q(self, condition, context) -> Q:
        value = condition.value
        if isinstance(value, list):
            value = [datetime.date.fromisoformat(day) for day in value]
        else:
            value = datetime.date.fromisoformat(value)
        instances = ArticleInstance.objects.filter(
            compare("produced_on", condition.operator, value)
        )
        return _received(_of_articles(instances, condition))
