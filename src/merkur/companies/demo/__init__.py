"""Demo data: German master tables, realistic DE/AT/CH/LI companies and the demo users.

``merkur demo`` calls ``load_demo``. Companies and people are written through
``merkur.companies.services``, so history and derived columns look exactly
like those of records entered in the app. What they are made of (master
entries, places, names, phone numbers) is in ``catalog``, which
``merkur generate`` shares.
"""

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from faker import Faker

from merkur.companies import services
from merkur.companies.demo.catalog import (
    COUNTRY_SHARES,
    INDUSTRIES,
    LOCALES,
    PLACES,
    Master,
    company_name,
    mobile_phone,
    rep_region,
    seed_master_data,
    slug,
    street,
    swiss,
    valid_phone,
    weighted,
)
from merkur.companies.models import Company, CompanyRole, Person, SalesRep
from merkur.core.roles import Role
from merkur.core.users import user_create

DEMO_PASSWORD = "merkur-demo"
DEMO_USERS = [
    ("admin", Role.ADMIN),
    ("vertrieb", Role.SALES),
    ("marketing", Role.MARKETING),
    ("leser", Role.READ_ONLY),
]
DEFAULT_COMPANIES = 250

# --- the demo companies ----------------------------------------------------------------------

# Companies every demo has, so that umlaut search can be shown: "müller" finds
# "Müller" and "Mueller", "guenther" finds "Günther".
# (name without legal form, legal form, industry, country, index into PLACES,
#  contact person as (salutation, first name, last name))
SHOWCASE = [
    ("Müller Datenbanksysteme", "GmbH", "Datenbanksoftware", "DE", 6, ("Herr", "Jürgen", "Müller")),
    ("Hans Mueller Elektrotechnik", "e.K.", "Elektrotechnik", "DE", 9, ("Herr", "Hans", "Mueller")),
    ("Bäckerei Günther", "e.K.", "Lebensmittel", "DE", 11, ("Frau", "Monika", "Günther")),
    ("Weiß & Söhne Bau", "GmbH & Co. KG", "Bauwesen", "DE", 7, None),
    ("Schröder Logistik", "GmbH", "Logistik und Transport", "DE", 3, None),
    ("Grünberger Anwendersoftware", "GmbH", "Anwendersoftware-Hersteller", "AT", 0, None),
    ("Müller Präzisionstechnik", "AG", "Maschinenbau", "CH", 0, ("Herr", "Urs", "Müller")),
    ("Zürcher Treuhand", "AG", "Finanzdienstleistungen", "CH", 2, None),
]


@dataclass
class DemoResult:
    companies: int
    people: int
    loaded: bool


class _Builder:
    """Builds the demo companies one by one through the services."""

    def __init__(self, master: Master, seed: int, by):
        self.master = master
        self.rng = random.Random(seed)
        self.fakers = {}
        for offset, (country, locale) in enumerate(LOCALES.items()):
            fake = Faker(locale)
            fake.seed_instance(seed + offset)
            self.fakers[country] = fake
        self.by = by
        self.now = timezone.now()
        self.people = 0

    def address(self, country: str, place: tuple | None = None) -> dict:
        postal_code, city, _area, _lang = place or self.rng.choice(PLACES[country])
        fake = self.fakers[country]
        return {
            "street": street(self.rng, fake, country),
            "postal_code": postal_code,
            "city": city,
            "country": country,
        }

    def rep_for(self, country: str, postal_code: str) -> SalesRep | None:
        region = rep_region(country, postal_code)
        if region in self.master.reps:
            return self.master.reps[region]
        # Reps the users entered themselves: spread the companies over them.
        return self.rng.choice(self.master.all_reps) if self.master.all_reps else None

    def company(self, index: int, showcase: tuple | None = None) -> Company:
        rng = self.rng
        contact = None
        if showcase:
            base, legal, industry, country, place_index, contact = showcase
            name, domain = f"{base} {legal}", f"{slug(base)}.{country.lower()}"
            place = PLACES[country][place_index]
        else:
            country = weighted(rng, COUNTRY_SHARES)
            industry = rng.choice(list(INDUSTRIES))
            name, legal, domain = company_name(rng, self.fakers[country], country, industry)
            place = rng.choice(PLACES[country])
        address = self.address(country, place)
        industries = {industry}
        if rng.random() < 0.3:
            industries.add(rng.choice(list(INDUSTRIES)))
        roles = [weighted(rng, {"customer": 55, "prospect": 30, "supplier": 15})]
        if rng.random() < 0.1:
            roles.append(rng.choice(["supplier", "carrier", "bank", "contract_partner"]))
        master = self.master
        data = {
            "name": name,
            "number": str(10000 + index),
            "legal_form": master.legal_forms.get(legal),
            "roles": sorted(set(roles), key=CompanyRole.values.index),
            "phone": valid_phone(rng, country, place[2]),
            "email": f"info@{domain}",
            "website": f"https://www.{domain}",
            "vat_id": self.vat_id(country),
            "employees": rng.choice([3, 8, 12, 25, 40, 75, 120, 250, 600, 1500, 12000]),
            "industries": [
                master.industries[n] for n in sorted(industries) if n in master.industries
            ],
            "interest_areas": rng.sample(
                list(master.interest_areas.values()),
                k=min(rng.randint(0, 3), len(master.interest_areas)),
            ),
            "company_class": rng.choice(list(master.classes.values())) if master.classes else None,
            "sales_rep": self.rep_for(country, address["postal_code"]),
        }
        company = services.company_create(data=data, address=address, by=self.by)
        self.extra_addresses(company, country)
        if contact:
            salutation, first, last = contact
            self.person(
                company, country, domain, "", salutation=salutation, first_name=first,
                last_name=last,
            )  # fmt: skip
        for _ in range(rng.choices([1, 2, 3, 4, 5], weights=[35, 35, 15, 10, 5])[0]):
            self.person(company, country, domain, place[3])
        return company

    def vat_id(self, country: str) -> str:
        digits = "".join(str(self.rng.randint(0, 9)) for _ in range(9))
        if country == "DE":
            return f"DE{digits}"
        if country == "AT":
            return f"ATU{digits[:8]}"
        if country == "CH":
            return f"CHE-{digits[:3]}.{digits[3:6]}.{digits[6:]} MWST"
        return ""

    def extra_addresses(self, company: Company, country: str) -> None:
        rng = self.rng
        if rng.random() < 0.3:
            services.company_address_add(
                company=company, kind="delivery", address=self.address(country),
                label="Lager", by=self.by,
            )  # fmt: skip
            if rng.random() < 0.3:
                services.company_address_add(
                    company=company, kind="delivery", address=self.address(country),
                    label="Werk 2", by=self.by,
                )  # fmt: skip
        if rng.random() < 0.15:
            services.company_address_add(
                company=company, kind="billing", address=self.address(country),
                label="Buchhaltung", by=self.by,
            )  # fmt: skip

    def person(self, company: Company, country: str, domain: str, lang: str, **names) -> Person:
        rng, fake, master = self.rng, self.fakers[country], self.master
        salutation = names.get("salutation") or weighted(rng, {"Frau": 48, "Herr": 50, "Divers": 2})
        female = salutation == "Frau" or (salutation == "Divers" and rng.random() < 0.5)
        first = names.get("first_name") or (
            fake.first_name_female() if female else fake.first_name_male()
        )
        last = names.get("last_name") or fake.last_name()
        title = None
        roll = rng.random()
        if roll < 0.08:
            title = "Mag." if country == "AT" else "Dr."
        elif roll < 0.1:
            title = "Prof. Dr."
        elif roll < 0.14:
            title = "Dipl.-Ing."
        functions = rng.sample(list(master.functions.values()), k=rng.choice([1, 1, 1, 2]))
        codes = rng.sample(list(master.person_codes.values()), k=rng.choice([0, 0, 1, 2]))
        opted_out = rng.random() < 0.08
        consent = not opted_out and rng.random() < 0.4
        data = {
            "salutation": master.salutations.get(salutation),
            "title": master.titles.get(title) if title else None,
            "first_name": swiss(first, country),
            "last_name": swiss(last, country),
            "functions": functions,
            "person_codes": codes,
            "language": lang or "de",
            "email": f"{slug(first)}.{slug(last)}".replace("-", "") + f"@{domain}",
            "phone": valid_phone(rng, country, "") if rng.random() < 0.7 else "",
            "mobile": mobile_phone(rng, country) if rng.random() < 0.4 else "",
            "marketing_opt_out_at": self.days_ago(rng.randint(5, 900)) if opted_out else None,
            "marketing_consent_at": self.days_ago(rng.randint(30, 1500)) if consent else None,
        }
        person = services.person_create(company=company, data=data, by=self.by)
        self.people += 1
        if rng.random() < 0.03:
            services.person_set_address(person=person, address=self.address(country), by=self.by)
        return person

    def days_ago(self, days: int) -> datetime.datetime:
        return self.now - datetime.timedelta(days=days, hours=self.rng.randint(0, 23))


def ensure_demo_users() -> list[tuple[str, str]]:
    """Create the missing demo users; return (username, role label) for all of them."""
    User = get_user_model()
    logins = []
    for username, role in DEMO_USERS:
        if not User.objects.filter(username=username).exists():
            user_create(username=username, password=DEMO_PASSWORD, role=role, check_password=False)
        logins.append((username, Role(role).label))
    return logins


def load_demo(
    *, companies: int = DEFAULT_COMPANIES, seed: int = 2026, progress: Callable | None = None
) -> DemoResult:
    """Load the demo once: master data and companies only when there are no companies yet."""
    ensure_demo_users()
    if Company.objects.exists():
        return DemoResult(Company.objects.count(), Person.objects.count(), loaded=False)
    admin = get_user_model().objects.get(username=DEMO_USERS[0][0])
    with transaction.atomic():
        master = seed_master_data()
        builder = _Builder(master, seed, admin)
        for index in range(companies):
            showcase = SHOWCASE[index] if index < len(SHOWCASE) else None
            builder.company(index, showcase)
            if progress and (index + 1) % 50 == 0:
                progress(index + 1, companies)
    from merkur.attributes.demo import load_demo_attributes

    load_demo_attributes(seed=seed, by=admin)  # values with history for a subset, once
    from merkur.journal.demo import load_demo_journal

    load_demo_journal(seed=seed, by=admin)  # contacts, follow-ups and an absence, once
    from merkur.business.demo import load_demo_business

    load_demo_business(seed=seed, by=admin)  # articles, orders, batches, serials, once
    from merkur.selections.demo import load_demo_selections

    load_demo_selections(by=admin)  # the product's example, saved and shared, once
    from merkur.mailings.demo import load_demo_events

    load_demo_events(by=admin)  # event kinds and two marketing events with members, once
    return DemoResult(companies, builder.people, loaded=True)
