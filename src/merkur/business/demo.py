"""Demo business data: articles, exchange rates, three years of offers and orders,
purchase orders, batches from suppliers and deliveries with serial numbers.

``merkur demo`` calls ``load_demo_business`` once the demo companies exist.
Everything goes through ``merkur.business.services``, so the revenue aggregate
is exactly what an ERP import would leave. Deterministic from the seed and
today's date; running it again adds nothing.

The data answers the canonical example of PRODUCT.md §5: some German companies
made at least EUR 100,000 revenue last year in "Anwendersoftware" and bought
more than five licences — and next to them the near misses each criterion
leaves out (a company in 66xxx, one with only five licences, one just below
the amount).
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from merkur.business import months, rates, services
from merkur.business.models import (
    ArticleCategory,
    Division,
    Document,
    DocumentStatus,
    Tracking,
)
from merkur.companies.models import Company

DIVISIONS = ["Anwendersoftware", "Datenbanksoftware", "Hardware", "Dienstleistung"]
CATEGORIES = ["Lizenz", "Wartung", "Gerät", "Schulung"]

# The division follows from the number's prefix.
PREFIXES = {
    "AS": "Anwendersoftware",
    "DB": "Datenbanksoftware",
    "HW": "Hardware",
    "DL": "Dienstleistung",
}
# number: (name, category, unit, list price in EUR, tracking)
ARTICLES: dict[str, tuple[str, str, str, str, str]] = {
    "AS-100": ("Merkur Office, Lizenz", "Lizenz", "Lizenz", "1450", "none"),
    "AS-110": ("Merkur CAD, Lizenz", "Lizenz", "Lizenz", "2900", "none"),
    "AS-120": ("Merkur Finanz, Lizenz", "Lizenz", "Lizenz", "1980", "none"),
    "AS-130": ("Merkur Mobile, Lizenz", "Lizenz", "Lizenz", "390", "none"),
    "AS-150": ("Softwarewartung Anwendersoftware, jährlich", "Wartung", "Jahr", "4800", "none"),
    "AS-190": ("Anwenderschulung Office, Tag", "Schulung", "Tag", "1200", "none"),
    "DB-200": ("Merkur DB Server, Lizenz", "Lizenz", "Lizenz", "8900", "none"),
    "DB-210": ("Merkur DB Client, Lizenz", "Lizenz", "Lizenz", "450", "none"),
    "DB-250": ("Datenbankwartung, jährlich", "Wartung", "Jahr", "3600", "none"),
    "DB-290": ("Schulung Datenbankadministration, Tag", "Schulung", "Tag", "1400", "none"),
    "HW-300": ("Server 2HE Rack", "Gerät", "Stk", "6400", "serial"),
    "HW-310": ("Notebook Pro 14", "Gerät", "Stk", "1690", "serial"),
    "HW-320": ("Barcode-Scanner BS-2", "Gerät", "Stk", "340", "serial"),
    "HW-330": ("Netzwerkkabel Cat 7, Karton 50 Stk", "Gerät", "Karton", "95", "batch"),
    "HW-340": ("Festplatte 4 TB", "Gerät", "Stk", "180", "batch"),
    "HW-350": ("Hardwarewartung, jährlich", "Wartung", "Jahr", "900", "none"),
    "DL-400": ("Beratung, Stunde", "Schulung", "Std", "140", "none"),
    "DL-410": ("Projektleitung, Tag", "Schulung", "Tag", "1150", "none"),
    "DL-420": ("Datenmigration, pauschal", "Wartung", "pauschal", "3800", "none"),
    "DL-430": ("Installation vor Ort, Stunde", "Wartung", "Std", "120", "none"),
}
ORDER_SHARE = 0.35  # of the customers get orders …
MAX_CUSTOMERS = 30  # … at most this many: `merkur demo` stays quick
SERIAL_START = 10000
# Monthly rates in EUR per unit: (start, monthly drift, noise).
RATES = {
    "CHF": (Decimal("0.95"), Decimal("0.002"), 0.006),
    "USD": (Decimal("0.92"), Decimal("-0.001"), 0.01),
}


@dataclass
class DemoBusinessResult:
    documents: int
    loaded: bool


def _month_starts(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    starts, day = [], first.replace(day=1)
    while day <= last:
        starts.append(day)
        day = months.next_month(day)
    return starts


class _Builder:
    def __init__(self, seed: int, today: datetime.date):
        self.rng = random.Random(seed)
        self.today = today
        self.counters: dict[str, int] = {}
        self.serial = SERIAL_START
        self.documents = 0
        self.batches: dict[str, list] = {}

    def number(self, prefix: str) -> str:
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}-{self.counters[prefix]:05d}"

    # --- master data, articles and rates ------------------------------------------------------

    def master(self) -> None:
        self.divisions = {
            name: Division.objects.get_or_create(name=name, defaults={"sort_order": i})[0]
            for i, name in enumerate(DIVISIONS)
        }
        self.categories = {
            name: ArticleCategory.objects.get_or_create(name=name, defaults={"sort_order": i})[0]
            for i, name in enumerate(CATEGORIES)
        }
        self.articles, self.prices = {}, {}
        for number, (name, category, unit, price, tracking) in ARTICLES.items():
            division = PREFIXES[number[:2]]
            article, _created = services.article_save(
                number=number,
                data={
                    "name": name,
                    "division": self.divisions[division],
                    "category": self.categories[category],
                    "unit": unit,
                    "tracking": tracking,
                },
            )
            self.articles[number] = article
            self.prices[number] = Decimal(price)

    def rates(self, first: datetime.date) -> None:
        """Monthly rates of EUR, CHF and USD in the base currency (all but the base itself)."""
        base = rates.base_currency()
        for index, month in enumerate(_month_starts(first, self.today)):
            in_eur = {"EUR": Decimal(1)}
            for currency, (start, drift, noise) in RATES.items():
                factor = Decimal(str(round(1 + self.rng.uniform(-noise, noise), 4)))
                in_eur[currency] = (start + drift * index) * factor
            for currency, value in in_eur.items():
                if currency != base and base in in_eur:
                    rate = (value / in_eur[base]).quantize(Decimal("0.0001"))
                    services.rate_set(currency=currency, valid_from=month, rate=rate)

    # --- documents -----------------------------------------------------------------------------

    def line(self, number: str, quantity: int, discount: int = 0) -> dict:
        return {
            "article": self.articles[number],
            "quantity": quantity,
            "unit_price": self.prices[number],
            "discount_percent": discount,
        }

    def document(self, kind, company, day, lines, *, currency="EUR", status, offer=None):
        if currency != "EUR":  # list prices are in EUR: the customer pays the same in francs
            factor = rates.rate_on("EUR", day) / rates.rate_on(currency, day)
            lines = [
                line | {"unit_price": (line["unit_price"] * factor).quantize(Decimal("1"))}
                for line in lines
            ]
        prefix = {"offer": "OF", "order": "AU", "purchase": "BE"}[kind]
        data = {"company": company, "date": day, "currency": currency, "status": status}
        if offer is not None:
            data["offer"] = offer
        document, _created = services.document_save(
            kind=kind, number=self.number(prefix), data=data, lines=lines
        )
        self.documents += 1
        return document

    def random_day(self, year: int) -> datetime.date:
        last = self.today if year == self.today.year else datetime.date(year, 12, 31)
        first = datetime.date(year, 1, 1)
        return first + datetime.timedelta(days=self.rng.randint(0, (last - first).days))

    def random_lines(self) -> list[dict]:
        rng = self.rng
        numbers = rng.sample(list(ARTICLES), k=rng.choice([1, 1, 2, 2, 3]))
        lines = []
        for number in numbers:
            tracking = ARTICLES[number][4]
            quantity = rng.randint(1, 3) if tracking == Tracking.SERIAL else rng.randint(1, 12)
            lines.append(self.line(number, quantity, rng.choice([0, 0, 0, 5, 10])))
        return lines

    def customer_year(self, company: Company, year: int) -> None:
        rng = self.rng
        currency = "CHF" if company.country in ("CH", "LI") else "EUR"
        current = year == self.today.year
        for _ in range(rng.choice([1, 1, 2])):
            day = self.random_day(year)
            lines = self.random_lines()
            offer = None
            if rng.random() < 0.35:
                offer_day = max(
                    day - datetime.timedelta(days=rng.randint(7, 40)), day.replace(month=1, day=1)
                )
                offer = self.document(
                    "offer",
                    company,
                    offer_day,
                    lines,
                    currency=currency,
                    status=DocumentStatus.ACCEPTED,
                )
            roll = rng.random()
            if roll < 0.06:
                status = DocumentStatus.CANCELLED
            elif current and roll < 0.45:
                status = rng.choice([DocumentStatus.OPEN, DocumentStatus.ACCEPTED])
            else:
                status = DocumentStatus.DONE
            order = self.document(
                "order", company, day, lines, currency=currency, status=status, offer=offer
            )
            if status == DocumentStatus.DONE:
                self.deliver(order, lines)
        if rng.random() < 0.3:  # an offer still open or turned down
            status = DocumentStatus.OPEN if current else DocumentStatus.REJECTED
            self.document(
                "offer",
                company,
                self.random_day(year),
                self.random_lines(),
                currency=currency,
                status=status,
            )

    # --- purchase orders, batches and deliveries ------------------------------------------------

    def supplies(self, suppliers: list[Company], first_year: int) -> None:
        """Twice a year a purchase order per stocked article, received as a batch."""
        stocked = [n for n, spec in ARTICLES.items() if spec[4] != Tracking.NONE]
        for year in range(first_year, self.today.year + 1):
            for month in (1, 7):
                day = datetime.date(year, month, 5)
                if day > self.today:
                    continue
                supplier = self.rng.choice(suppliers)
                lines = [
                    self.line(n, self.rng.randint(20, 60))
                    | {"unit_price": (self.prices[n] * Decimal("0.6")).quantize(Decimal("0.01"))}
                    for n in stocked
                ]
                purchase = self.document(
                    "purchase", supplier, day, lines, status=DocumentStatus.DONE
                )
                for number in stocked:
                    batch, _created = services.batch_save(
                        article=self.articles[number],
                        number=f"CH-{year}{month:02d}-{number[3:]}",
                        data={
                            "supplier": supplier,
                            "received_on": day + datetime.timedelta(days=self.rng.randint(3, 12)),
                            "purchase_order": purchase,
                        },
                    )
                    self.batches.setdefault(number, []).append(batch)

    def batch_for(self, number: str, day: datetime.date):
        received = [b for b in self.batches.get(number, []) if b.received_on <= day]
        return received[-1] if received else None

    def deliver(self, order: Document, lines: list[dict]) -> None:
        goods = [line for line in lines if line["article"].tracking != Tracking.NONE]
        if not goods:
            return
        day = min(order.date + datetime.timedelta(days=self.rng.randint(2, 14)), self.today)
        delivery_lines = []
        for line in goods:
            number = line["article"].number
            entry = {
                "article": line["article"],
                "quantity": line["quantity"],
                "batch": self.batch_for(number, day),
            }
            if line["article"].tracking == Tracking.SERIAL:
                entry["serials"] = [f"SN-{self.serial + i}" for i in range(int(line["quantity"]))]
                self.serial += int(line["quantity"])
            delivery_lines.append(entry)
        services.delivery_save(
            number=self.number("LI"),
            data={"company": order.company, "order": order, "date": day},
            lines=delivery_lines,
        )

    # --- the §5 example ---------------------------------------------------------------------------

    def example(
        self, company: Company, year: int, licences: tuple[int, int], services_days: int
    ) -> None:
        """Last year's orders in Anwendersoftware: Office and CAD licences plus training days."""
        office, cad = licences
        lines = []
        if office:
            lines.append(self.line("AS-100", office))
        if cad:
            lines.append(self.line("AS-110", cad))
        lines.append(self.line("AS-150", 1))
        self.document(
            "order", company, datetime.date(year, 3, 12), lines, status=DocumentStatus.DONE
        )
        self.document(
            "order", company, datetime.date(year, 9, 24), [self.line("AS-190", services_days)],
            status=DocumentStatus.DONE,
        )  # fmt: skip


def _german_customers(exclude_area: str):
    return (
        Company.objects.active()
        .filter(country="DE")
        .exclude(postal_code__startswith=exclude_area)
        .order_by("id")
    )


def load_demo_business(*, seed: int = 2026, by=None) -> DemoBusinessResult:
    """Load the demo business data once (nothing happens when documents exist).

    ``by`` is accepted like the other demo loaders; business data carries no
    per-user history, it comes from the ERP.
    """
    if Document.objects.exists():
        return DemoBusinessResult(Document.objects.count(), loaded=False)
    today = timezone.localdate()
    builder = _Builder(seed, today)
    first_year = today.year - 2
    with transaction.atomic():
        builder.master()
        builder.rates(datetime.date(today.year - 3, 1, 1))
        suppliers = list(Company.objects.active().with_role("supplier").order_by("id")[:5])
        if not suppliers:
            suppliers = list(Company.objects.active().order_by("-id")[:2])
        if not suppliers:
            return DemoBusinessResult(0, loaded=False)
        builder.supplies(suppliers, first_year)
        last_year = today.year - 1
        # The example's answer: showcase "Müller Datenbanksysteme" (database software industry)
        # and two more German companies; then the near misses.
        showcase = list(Company.objects.filter(name="Müller Datenbanksysteme GmbH")[:1])
        others = [c for c in _german_customers("66")[:12] if c not in showcase]
        winners = (showcase + others)[:3]
        for company in winners:
            builder.example(company, last_year, (40, 18), 5)  # 58,000 + 52,200 + 4,800 + 6,000
        near = others[len(winners) - len(showcase) :]
        if len(near) >= 2:
            builder.example(near[0], last_year, (5, 0), 80)  # only five licences
            builder.example(near[1], last_year, (30, 10), 2)  # 43,500 + 29,000 + …: below 100,000
        saarland = (
            Company.objects.active().filter(country="DE", postal_code__startswith="66").first()
        )
        if saarland is not None:
            builder.example(saarland, last_year, (40, 18), 5)  # left out by postal code 66xxx
        special = set(winners) | set(near[:2]) | ({saarland} if saarland else set())
        customers = [
            c
            for c in Company.objects.active()
            .with_role("customer")
            .order_by("id")[: MAX_CUSTOMERS * 2]
            if builder.rng.random() < ORDER_SHARE and c not in special
        ][:MAX_CUSTOMERS]
        for company in customers + sorted(special, key=lambda c: c.pk):
            for year in range(first_year, today.year + 1):
                # Last year's figures of the example companies stay as worked out above.
                if company not in special or year != last_year:
                    builder.customer_year(company, year)
    return DemoBusinessResult(builder.documents, loaded=True)
