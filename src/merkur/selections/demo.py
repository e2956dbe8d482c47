"""Demo selections: the product's example, saved and shared, so it can be run at once.

``merkur demo`` calls ``load_demo_selections`` after the business data; it
saves nothing when a selection of that name exists already.
"""

from merkur.business.models import ArticleCategory, Division
from merkur.companies.models import Function, Industry
from merkur.selections.models import SavedSelection
from merkur.selections.services import selection_save

EXAMPLE_NAME = "Einkäufer Anwendersoftware (Beispiel)"
EXAMPLE_DESCRIPTION = (
    "Alle Einkäufer der Firmen in Deutschland mit mindestens 100'000 EUR Umsatz im Vorjahr "
    "in der Sparte Anwendersoftware, die mehr als fünf Lizenzen gekauft haben, ohne PLZ-Gebiet "
    "66xxx; dazu die Geschäftsführer dieser Firmen, wenn sie in der Branche "
    "Datenbanksoftware sind."
)


def example_definition() -> dict:
    """The example of PRODUCT.md §5 over the demo's master data."""
    buyer = Function.objects.get(name="Einkäufer").pk
    boss = Function.objects.get(name="Geschäftsführer").pk
    software = Division.objects.get(name="Anwendersoftware").pk
    licence = ArticleCategory.objects.get(name="Lizenz").pk
    database = Industry.objects.get(name="Datenbanksoftware").pk
    return {
        "version": 1,
        "target": "people",
        "where": {
            "and": [
                {"criterion": "address.country", "op": "in", "value": ["DE"]},
                {
                    "criterion": "business.revenue",
                    "op": "gte",
                    "value": "100000",
                    "params": {
                        "period": {"relative": "last_year"},
                        "divisions": [software],
                        "currency": "EUR",
                    },
                },
                {
                    "criterion": "business.quantity",
                    "op": "gt",
                    "value": "5",
                    "params": {"categories": [licence]},
                },
                {"not": {"criterion": "address.postal_code", "op": "starts_with", "value": "66"}},
                {
                    "or": [
                        {"criterion": "person.functions", "op": "in", "value": [buyer]},
                        {
                            "and": [
                                {"criterion": "person.functions", "op": "in", "value": [boss]},
                                {
                                    "criterion": "company.industries",
                                    "op": "in",
                                    "value": [database],
                                },
                            ]
                        },
                    ]
                },
            ]
        },
    }


def load_demo_selections(*, by) -> SavedSelection | None:
    """Save the example once, shared, owned by ``by`` (the demo administrator)."""
    if by is None or SavedSelection.objects.filter(name=EXAMPLE_NAME).exists():
        return None
    return selection_save(
        data={
            "name": EXAMPLE_NAME,
            "description": EXAMPLE_DESCRIPTION,
            "shared": True,
            "definition": example_definition(),
        },
        by=by,
    )
