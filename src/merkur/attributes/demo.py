"""Demo attributes with history: a handful of definitions and values over the last years.

``merkur demo`` calls ``load_demo_attributes`` after the companies exist. Everything
is written through ``merkur.attributes.services`` (so periods close, history is
recorded and values are validated exactly as in the app), for a subset of the
companies, deterministically from the demo's seed and today's date. Running it
again adds nothing.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from merkur.attributes import services
from merkur.attributes.models import AttributeDefinition, AttributeValue
from merkur.companies.models import Company

GROUP = "Vertrieb"
SHARE = 0.5  # of the demo companies get attributes
MAX_COMPANIES = 150

# code: (data, choices)
DEFINITIONS: dict[str, tuple[dict, list[str] | None]] = {
    "anzahl-lizenzen": (
        {"label": "Anzahl Lizenzen", "label_en": "Number of licences", "type": "integer",
         "unit": "Lizenzen", "min_value": Decimal(0), "sort_order": 10,
         "help_text": "Lizenzen im Einsatz laut letzter Zählung."},
        None,
    ),
    "iso-9001": (
        {"label": "Zertifizierung ISO 9001", "label_en": "ISO 9001 certification",
         "type": "boolean", "sort_order": 20,
         "help_text": "Gültigkeit des Zertifikats als Zeitraum erfassen."},
        None,
    ),
    "kundenstatus": (
        {"label": "Kundenstatus", "label_en": "Customer status", "type": "choice",
         "sort_order": 30},
        ["Neukunde", "Stammkunde", "Schlüsselkunde", "Ruhend"],
    ),
    "key-account-betreuer": (
        {"label": "Key-Account-Betreuer", "label_en": "Key account contact", "type": "link",
         "link_kind": "person", "sort_order": 40,
         "help_text": "Ansprechpartner der Firma für das Key-Account-Management."},
        None,
    ),
    "umsatzpotenzial": (
        {"label": "Umsatzpotenzial", "label_en": "Revenue potential", "type": "decimal",
         "unit": "EUR", "min_value": Decimal(0), "sort_order": 50},
        None,
    ),
    "gruendungsjahr": (
        {"label": "Gründungsjahr", "label_en": "Year founded", "type": "integer",
         "min_value": Decimal(1800), "max_value": Decimal(2100), "sort_order": 60,
         "group": "Stammdaten"},
        None,
    ),
    "themen": (
        {"label": "Themen", "label_en": "Topics", "type": "multi_choice", "sort_order": 70},
        ["CRM", "ERP", "BI", "Cloud"],
    ),
    "entscheidungsbefugnis": (
        {"label": "Entscheidungsbefugnis", "label_en": "Decision authority", "type": "choice",
         "for_companies": False, "for_people": True, "sort_order": 10, "group": "Kontakt"},
        ["Entscheider", "Beeinflusser", "Anwender", "Keine"],
    ),
}  # fmt: skip


@dataclass
class DemoAttributesResult:
    definitions: int
    values: int
    loaded: bool


def ensure_definitions() -> dict[str, AttributeDefinition]:
    """The demo definitions by code; the missing ones are created."""
    found = {d.code: d for d in AttributeDefinition.objects.filter(code__in=DEFINITIONS)}
    for code, (data, choices) in DEFINITIONS.items():
        if code not in found:
            found[code] = services.definition_create(
                data={"group": GROUP, **data, "code": code}, choices=choices, by=None
            )
    return found


def load_demo_attributes(
    *, seed: int = 2026, by=None, today: datetime.date | None = None
) -> DemoAttributesResult:
    """Create the demo attributes and, once, give a subset of the companies values with history."""
    today = today or datetime.date.today()
    with transaction.atomic():
        definitions = ensure_definitions()
        if AttributeValue.objects.filter(definition__in=definitions.values()).exists():
            return DemoAttributesResult(len(definitions), 0, loaded=False)
        companies = list(Company.objects.order_by("pk").prefetch_related("people"))
        rng = random.Random(seed)
        chosen = [c for c in companies if rng.random() < SHARE][:MAX_COMPANIES]
        writer = _Writer(definitions, rng, today, by)
        for company in chosen:
            writer.company(company)
    return DemoAttributesResult(len(definitions), writer.count, loaded=True)


class _Writer:
    def __init__(self, definitions: dict[str, AttributeDefinition], rng, today, by):
        self.d = definitions
        self.rng = rng
        self.today = today
        self.by = by
        self.count = 0
        self.choice = {
            code: {c.label: c for c in definition.choices.all()}
            for code, definition in definitions.items()
        }

    def set(self, code: str, record, value, start: datetime.date, end=None) -> None:
        rows = services.value_set(
            definition=self.d[code], record=record, value=value,
            valid_from=start, valid_to=end, by=self.by,
        )  # fmt: skip
        self.count += len(rows)

    def years_ago(self, years: float) -> datetime.date:
        return self.today - datetime.timedelta(days=int(years * 365) + self.rng.randint(0, 60))

    def company(self, company: Company) -> None:
        rng = self.rng
        self.licences(company)
        if rng.random() < 0.5:
            self.iso_9001(company)
        self.status(company)
        people = list(company.people.all())
        if people and rng.random() < 0.6:
            self.set("key-account-betreuer", company, rng.choice(people).pk, self.years_ago(3))
        if rng.random() < 0.7:
            amount = Decimal(rng.randrange(5_000, 500_000, 500))
            self.set("umsatzpotenzial", company, amount, self.years_ago(2))
            if rng.random() < 0.4:
                self.set("umsatzpotenzial", company, amount * Decimal("1.2"), self.years_ago(0.5))
        if rng.random() < 0.8:
            self.set("gruendungsjahr", company, rng.randint(1890, 2020), self.years_ago(6))
        if rng.random() < 0.6:
            topics = rng.sample(["CRM", "ERP", "BI", "Cloud"], k=rng.randint(1, 3))
            self.set("themen", company, [self.choice["themen"][t] for t in topics],
                     self.years_ago(rng.uniform(0.5, 4)))  # fmt: skip
        for person in people:
            if rng.random() < 0.5:
                label = rng.choice(["Entscheider", "Beeinflusser", "Anwender", "Keine"])
                choice = self.choice["entscheidungsbefugnis"][label]
                start = self.years_ago(rng.uniform(0, 3))
                self.set("entscheidungsbefugnis", person, choice, start)

    def licences(self, company: Company) -> None:
        """1–4 values over the last years, usually growing."""
        periods = self.rng.randint(1, 4)
        count = self.rng.choice([5, 10, 20, 25, 50])
        for index in range(periods):
            start = self.years_ago(periods - index - 0.5 * self.rng.random())
            self.set("anzahl-lizenzen", company, count, start)
            count += self.rng.choice([-5, 5, 10, 15, 25, 50])
            count = max(count, 1)

    def iso_9001(self, company: Company) -> None:
        """A certificate valid three years, sometimes renewed, sometimes lapsed."""
        start = self.years_ago(self.rng.uniform(2, 6))
        end = start + datetime.timedelta(days=3 * 365 - 1)
        self.set("iso-9001", company, True, start, end)
        if end < self.today and self.rng.random() < 0.6:
            self.set("iso-9001", company, True, end + datetime.timedelta(days=1))
        elif end < self.today:
            self.set("iso-9001", company, False, end + datetime.timedelta(days=1))

    def status(self, company: Company) -> None:
        """Neukunde → Stammkunde → Schlüsselkunde or Ruhend, over the years."""
        path = ["Neukunde", "Stammkunde"]
        path.append(self.rng.choice(["Schlüsselkunde", "Ruhend", "Stammkunde"]))
        steps = self.rng.randint(1, 3)
        labels = list(dict.fromkeys(path[:steps]))
        for index, label in enumerate(labels):
            start = self.years_ago(2 * (len(labels) - index) + self.rng.random())
            self.set("kundenstatus", company, self.choice["kundenstatus"][label], start)
