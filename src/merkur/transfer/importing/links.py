"""What imported companies and people can be linked to in the same step: a small registry.

A target kind says how to find its record from what the user typed (an order
number), how to describe it, and how to link a batch of (company id, person
id or None) pairs to it. Sales orders are registered here; marketing events
register themselves from their app (``register(LinkKind(...))`` in
``AppConfig.ready``) with the member statuses they offer.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

Pairs = Iterable[tuple[int, int | None]]
BATCH = 5_000


@dataclass(frozen=True)
class LinkKind:
    key: str
    label: str  # lazy translation: "Sales order"
    reference_label: str  # what the user types: "Order number"
    find: Callable[[str], object | None]  # the record for a reference, or None
    link: Callable[..., int]  # (record, pairs, *, source, status) → links made
    describe: Callable[[object], str] = str
    statuses: Callable[[], list[tuple[str, str]]] | None = None  # (value, label) or None


TARGETS: dict[str, LinkKind] = {}


def register(kind: LinkKind) -> None:
    TARGETS[kind.key] = kind


def choices() -> list[tuple[str, str]]:
    return [(kind.key, str(kind.label)) for kind in TARGETS.values()]


def errors(link: dict) -> dict[str, list[str]]:
    """Field errors of a link target that does not exist or has no such status (API, CLI)."""
    kind = TARGETS.get(link["kind"])
    if kind is None:
        return {
            "link.kind": [_("Link to one of: %(kinds)s.") % {"kinds": ", ".join(sorted(TARGETS))}]
        }
    if kind.find(link["reference"]) is None:
        message = _("%(kind)s %(reference)s does not exist.") % {
            "kind": kind.label,
            "reference": link["reference"],
        }
        return {"link.reference": [message]}
    status = link.get("status") or ""
    statuses = [value for value, _label in kind.statuses()] if kind.statuses else []
    if status and status not in statuses:
        if not statuses:
            return {"link.status": [_("%(kind)s links have no status.") % {"kind": kind.label}]}
        return {
            "link.status": [_("Choose one of: %(statuses)s.") % {"statuses": ", ".join(statuses)}]
        }
    return {}


# --- sales orders ---------------------------------------------------------------------------


def _find_order(reference: str):
    from merkur.business.models import SalesOrder

    return SalesOrder.objects.filter(number=reference.strip()).first()


def _link_order(order, pairs: Pairs, *, source=None, status: str = "") -> int:
    """The pairs become the order's contacts; links it has already are kept once."""
    from merkur.transfer.models import DocumentContact

    before = DocumentContact.objects.filter(document=order).count()
    batch = []
    for company_id, person_id in pairs:
        batch.append(
            DocumentContact(
                document_id=order.pk, company_id=company_id, person_id=person_id, source=source
            )
        )
        if len(batch) >= BATCH:
            DocumentContact.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    if batch:
        DocumentContact.objects.bulk_create(batch, ignore_conflicts=True)
    return DocumentContact.objects.filter(document=order).count() - before


register(
    LinkKind(
        key="sales_order",
        label=gettext_lazy("Sales order"),
        reference_label=gettext_lazy("Order number"),
        find=_find_order,
        link=_link_order,
        describe=lambda order: f"{order} ({order.company})",
    )
)
