"""A naive evaluator of selection trees: plain Python over records loaded once.

The oracle of the property test (``test_property.py``). It knows nothing of the
compiler: it walks the JSON tree and checks each criterion record by record, the
way PRODUCT.md §5 says it in words. Revenue is the sum, over the lines of sales
orders that are not cancelled, of net amount × the rate valid on the order date,
rounded per line to the cent (half up) — the definition of
``merkur.business.aggregates.revenue_lines``. A company criterion on people is
about the person's company; a person criterion on companies means "has a person
(not archived) who …". Archived records are never selected.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from merkur.business.models import DocumentLine, ExchangeRate
from merkur.companies.models import Company, CompanyRole, Person

CENT = Decimal("0.01")
PERSON_CRITERIA = {"person.functions", "person.has_email", "person.marketing_opt_out"}


@dataclass
class Firm:
    pk: int
    country: str
    postal_code: str
    city: str
    roles: set[str]
    industries: set[int]
    employees: int | None
    archived: bool
    people: list["Someone"] = field(default_factory=list)
    documents: list["Doc"] = field(default_factory=list)


@dataclass
class Someone:
    pk: int
    company_id: int
    functions: set[int]
    email: str
    opted_out: bool
    archived: bool


@dataclass
class Line:
    article_id: int
    division_id: int
    category_id: int
    quantity: Decimal
    net_amount: Decimal


@dataclass
class Doc:
    kind: str
    status: str
    date: datetime.date
    currency: str
    lines: list[Line]


@dataclass
class World:
    companies: dict[int, Firm]
    people: dict[int, Someone]
    rates: dict[str, list[tuple[datetime.date, Decimal]]]  # currency → (valid from, rate)
    base: str

    @classmethod
    def load(cls) -> "World":
        companies = {}
        for company in Company.objects.prefetch_related("industries"):
            companies[company.pk] = Firm(
                pk=company.pk,
                country=company.country,
                postal_code=company.postal_code,
                city=company.city,
                roles={r for i, r in enumerate(CompanyRole.values) if company.roles >> i & 1},
                industries={industry.pk for industry in company.industries.all()},
                employees=company.employees,
                archived=company.archived_at is not None,
            )
        people = {}
        for person in Person.objects.prefetch_related("functions"):
            someone = Someone(
                pk=person.pk,
                company_id=person.company_id,
                functions={function.pk for function in person.functions.all()},
                email=person.email,
                opted_out=person.marketing_opt_out_at is not None,
                archived=person.archived_at is not None,
            )
            people[person.pk] = someone
            companies[person.company_id].people.append(someone)
        documents = {}
        lines = DocumentLine.objects.select_related("document", "article")
        for line in lines.order_by("document_id", "position"):
            document = line.document
            if document.pk not in documents:
                documents[document.pk] = Doc(
                    document.kind, document.status, document.date, document.currency, []
                )
                companies[document.company_id].documents.append(documents[document.pk])
            documents[document.pk].lines.append(
                Line(
                    line.article_id,
                    line.article.division_id,
                    line.article.category_id,
                    line.quantity,
                    line.net_amount,
                )
            )
        rates: dict[str, list] = {}
        for rate in ExchangeRate.objects.order_by("valid_from"):
            rates.setdefault(rate.currency, []).append((rate.valid_from, rate.rate))
        return cls(companies, people, rates, settings.MERKUR_BASE_CURRENCY)

    # --- figures -------------------------------------------------------------------------

    def rate(self, currency: str, day: datetime.date) -> Decimal:
        if currency == self.base:
            return Decimal(1)
        valid = [rate for since, rate in self.rates[currency] if since <= day]
        return valid[-1]

    def counted_lines(self, firm: Firm, period, params: dict):
        """(document, line) of the company's sales orders that are not cancelled, in the
        period (None: ever), of the articles / divisions / categories named."""
        for document in firm.documents:
            if document.kind != "order" or document.status == "cancelled":
                continue
            if period is not None and not period[0] <= document.date <= period[1]:
                continue
            for line in document.lines:
                if params.get("articles") and line.article_id not in params["articles"]:
                    continue
                if params.get("divisions") and line.division_id not in params["divisions"]:
                    continue
                if params.get("categories") and line.category_id not in params["categories"]:
                    continue
                yield document, line

    def revenue(self, firm: Firm, period, params: dict) -> Decimal:
        total = Decimal(0)
        for document, line in self.counted_lines(firm, period, params):
            amount = line.net_amount * self.rate(document.currency, document.date)
            total += amount.quantize(CENT, rounding=ROUND_HALF_UP)
        return total

    def quantity(self, firm: Firm, period, params: dict) -> Decimal:
        return sum((line.quantity for _d, line in self.counted_lines(firm, period, params)), 0)


# --- periods ---------------------------------------------------------------------------------


def _month_end(day: datetime.date) -> datetime.date:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def period_dates(value: dict | None, today: datetime.date):
    """(first day, last day) of a stored period on ``today``; None for no period."""
    if value is None:
        return None
    if "from" in value:
        return datetime.date.fromisoformat(value["from"]), datetime.date.fromisoformat(value["to"])
    name = value["relative"]
    if name == "this_year":
        return datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    if name == "last_year":
        return datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31)
    if name == "last_12_months":  # the twelve whole months before this one
        this_month = today.replace(day=1)
        last = this_month - datetime.timedelta(days=1)
        return this_month.replace(year=this_month.year - 1), last
    raise AssertionError(name)


# --- criteria --------------------------------------------------------------------------------


def _compare(figure: Decimal, op: str, value) -> bool:
    if op == "between":
        return Decimal(value[0]) <= figure <= Decimal(value[1])
    value = Decimal(value)
    return {
        "gte": figure >= value,
        "gt": figure > value,
        "lte": figure <= value,
        "lt": figure < value,
    }[op]


def _company_holds(world: World, firm: Firm, leaf: dict, today) -> bool:
    key, op, value = leaf["criterion"], leaf["op"], leaf.get("value")
    params = leaf.get("params", {})
    if key == "address.country":
        inside = firm.country in {code.upper() for code in value}
        return inside if op == "in" else not inside
    if key == "address.postal_code":
        code = firm.postal_code
        return {
            "equals": lambda: code == value,
            "in": lambda: code in value,
            "starts_with": lambda: code.startswith(value),
            "not_starts_with": lambda: not code.startswith(value),
            "between": lambda: value[0] <= code <= value[1],
        }[op]()
    if key == "address.city":
        city = firm.city.casefold()
        if op == "equals":
            return city == value.casefold()
        if op == "starts_with":
            return city.startswith(value.casefold())
        return city in {item.casefold() for item in value}
    if key == "company.role":
        has = bool(firm.roles & set(value))
        return has if op == "in" else not has
    if key == "company.industries":
        has = bool(firm.industries & set(value))
        return has if op == "in" else not has
    if key == "company.employees":
        if op == "is_not_set":
            return firm.employees is None
        return firm.employees is not None and _compare(Decimal(firm.employees), op, value)
    if key == "business.revenue":
        period = period_dates(params["period"], today)
        return _compare(world.revenue(firm, period, params), op, value)
    if key == "business.quantity":
        period = period_dates(params.get("period"), today)
        return _compare(world.quantity(firm, period, params), op, value)
    if key == "business.open_document":
        kinds = params.get("kinds") or ["offer", "order"]
        wanted = {"offer": {"open"}, "order": {"open", "accepted"}}
        has = any(
            document.kind in kinds and document.status in wanted[document.kind]
            for document in firm.documents
        )
        return has if op == "yes" else not has
    raise AssertionError(key)


def _person_holds(person: Someone, leaf: dict) -> bool:
    key, op, value = leaf["criterion"], leaf["op"], leaf.get("value")
    if key == "person.functions":
        has = bool(person.functions & set(value))
        return has if op == "in" else not has
    if key == "person.has_email":
        return bool(person.email) == (op == "yes")
    if key == "person.marketing_opt_out":
        return person.opted_out == (op == "yes")
    raise AssertionError(key)


def holds(world: World, node: dict, record, target: str, today: datetime.date) -> bool:
    """Whether ``record`` (a ``Someone`` for people, a ``Firm`` for companies) meets ``node``."""
    if "and" in node:
        return all(holds(world, item, record, target, today) for item in node["and"])
    if "or" in node:
        return any(holds(world, item, record, target, today) for item in node["or"])
    if "not" in node:
        return not holds(world, node["not"], record, target, today)
    if node["criterion"] in PERSON_CRITERIA:
        if target == "people":
            return _person_holds(record, node)
        return any(_person_holds(person, node) for person in record.people if not person.archived)
    firm = world.companies[record.company_id] if target == "people" else record
    return _company_holds(world, firm, node, today)


def evaluate(world: World, definition: dict, today: datetime.date) -> set[int]:
    """The pks a definition selects, found record by record."""
    target = definition["target"]
    if target == "people":
        records = [
            person
            for person in world.people.values()
            if not person.archived and not world.companies[person.company_id].archived
        ]
    else:
        records = [firm for firm in world.companies.values() if not firm.archived]
    where = definition.get("where")
    return {
        record.pk
        for record in records
        if where is None or holds(world, where, record, target, today)
    }
