"""Business records → response bodies, and the queries that load what they show."""

from django.db.models import Prefetch, QuerySet

from merkur.business.models import (
    Article,
    ArticleInstance,
    Batch,
    Delivery,
    DeliveryLine,
    Document,
    DocumentLine,
    ExchangeRate,
)
from merkur.core.api.schemas import ref


def company_ref(company) -> dict | None:
    if company is None:
        return None
    return {"id": company.pk, "name": company.name, "number": company.number}


def document_ref(document) -> dict | None:
    if document is None:
        return None
    return {"id": document.pk, "kind": document.kind, "number": document.number}


def article_out(article: Article) -> dict:
    return {
        "id": article.pk,
        "number": article.number,
        "name": article.name,
        "division": ref(article.division),
        "category": ref(article.category),
        "unit": article.unit,
        "is_active": article.is_active,
        "tracking": article.tracking,
        "version": article.version,
    }


def articles(queryset: QuerySet | None = None) -> QuerySet:
    queryset = Article.objects.all() if queryset is None else queryset
    return queryset.select_related("division", "category")


def rate_out(entry: ExchangeRate) -> dict:
    return {"currency": entry.currency, "valid_from": entry.valid_from, "rate": entry.rate}


def document_summary(document: Document) -> dict:
    return {
        "id": document.pk,
        "kind": document.kind,
        "number": document.number,
        "company": company_ref(document.company),
        "person": ref(document.person),
        "date": document.date,
        "currency": document.currency,
        "status": document.status,
        "offer": document_ref(document.offer),
        "total_net": document.total_net,
        "version": document.version,
    }


def document_out(document: Document) -> dict:
    return document_summary(document) | {
        "lines": [
            {
                "position": line.position,
                "article": line.article.number,
                "article_name": line.article.name,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount_percent": line.discount_percent,
                "net_amount": line.net_amount,
            }
            for line in document.lines.all()
        ]
    }


def documents(queryset: QuerySet | None = None, *, lines: bool = False) -> QuerySet:
    queryset = Document.objects.all() if queryset is None else queryset
    queryset = queryset.select_related("company", "person", "offer")
    if lines:
        queryset = queryset.prefetch_related(
            Prefetch(
                "lines",
                DocumentLine.objects.select_related("article").order_by("position"),
            )
        )
    return queryset


def batch_out(batch: Batch) -> dict:
    return {
        "id": batch.pk,
        "article": batch.article.number,
        "number": batch.number,
        "supplier": company_ref(batch.supplier),
        "received_on": batch.received_on,
        "purchase_order": document_ref(batch.purchase_order),
    }


def batches(queryset: QuerySet | None = None) -> QuerySet:
    queryset = Batch.objects.all() if queryset is None else queryset
    return queryset.select_related("article", "supplier", "purchase_order")


def delivery_summary(delivery: Delivery) -> dict:
    return {
        "id": delivery.pk,
        "number": delivery.number,
        "company": company_ref(delivery.company),
        "order": document_ref(delivery.order),
        "date": delivery.date,
        "version": delivery.version,
    }


def delivery_out(delivery: Delivery) -> dict:
    return delivery_summary(delivery) | {
        "lines": [
            {
                "position": line.position,
                "article": line.article.number,
                "quantity": line.quantity,
                "batch": line.batch.number if line.batch else None,
                "serials": [instance.serial_number for instance in line.instances.all()],
            }
            for line in delivery.lines.all()
        ]
    }


def deliveries(queryset: QuerySet | None = None, *, lines: bool = False) -> QuerySet:
    queryset = Delivery.objects.all() if queryset is None else queryset
    queryset = queryset.select_related("company", "order")
    if lines:
        queryset = queryset.prefetch_related(
            Prefetch(
                "lines",
                DeliveryLine.objects.select_related("article", "batch")
                .prefetch_related(
                    Prefetch("instances", ArticleInstance.objects.order_by("serial_number"))
                )
                .order_by("position"),
            )
        )
    return queryset


def instance_out(instance: ArticleInstance) -> dict:
    line = instance.delivery_line
    return {
        "id": instance.pk,
        "article": instance.article.number,
        "serial_number": instance.serial_number,
        "batch": instance.batch.number if instance.batch else None,
        "produced_on": instance.produced_on,
        "production_run": instance.production_run,
        "customer": company_ref(instance.customer),
        "delivery": line.delivery.number if line else None,
    }


def instances(queryset: QuerySet | None = None) -> QuerySet:
    queryset = ArticleInstance.objects.all() if queryset is None else queryset
    return queryset.select_related("article", "batch", "customer", "delivery_line__delivery")
