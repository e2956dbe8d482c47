"""The standard contact kinds and types (Kontakt-Arten, -Typen) a new installation starts with.

German names: they are the users' own words, maintained by them afterwards in
the master tables like any other entry.
"""

from django.db import transaction

from merkur.journal.models import ContactKind, ContactKindGroup, ContactType, ContactTypeGroup

KINDS = {
    "Schriftlich": ["Brief", "E-Mail", "Fax"],
    "Mündlich": ["Telefonat", "Besuch", "Messe"],
}
TYPES = {
    "Verkauf": ["Akquise", "Offertbesprechung", "Konditionsvereinbarung"],
    "Service": ["Reklamation", "Support"],
    "Termin": ["Terminvereinbarung"],
}


def _seed(group_model, item_model, tree: dict[str, list[str]]) -> dict[str, object]:
    """Fill empty tables; tables that have entries are left as the users made them."""
    if not group_model.objects.exists():
        for g, (group_name, items) in enumerate(tree.items(), start=1):
            group = group_model.objects.create(name=group_name, sort_order=g * 10)
            item_model.objects.bulk_create(
                item_model(group=group, name=name, sort_order=i * 10)
                for i, name in enumerate(items, start=1)
            )
    return {item.name: item for item in item_model.objects.select_related("group")}


@transaction.atomic
def seed_contact_master_data() -> tuple[dict[str, ContactKind], dict[str, ContactType]]:
    """The kinds and types by name (the item names are distinct in the standard set)."""
    kinds = _seed(ContactKindGroup, ContactKind, KINDS)
    types = _seed(ContactTypeGroup, ContactType, TYPES)
    return kinds, types
