"""Pools of realistic values that generated rows pick from.

Faker is slow (tens of microseconds a value); it runs only here, a few
thousand times per country, and the rows then choose from the pools.
"""

import random
from dataclasses import dataclass

from faker import Faker

from merkur.companies.demo import catalog
from merkur.core.text import fold

# A name as rows need it: (as written, folded for search, e-mail-safe).
Name = tuple[str, str, str]


@dataclass
class Pool:
    """What the rows of one country pick from."""

    companies: list[tuple]  # (name, folded name, domain, legal form id, industry id)
    places: list[tuple[str, str, str]]  # (postal code, city, folded city)
    streets: list[str]
    family: list[Name]
    female: list[Name]
    male: list[Name]
    phones: list[str]
    initials: int  # how many different initials the family names have


def _names(values: set[str], country: str) -> list[Name]:
    result = []
    for value in sorted(values):
        text = catalog.swiss(value, country)
        result.append((text, fold(text), catalog.slug(text).replace("-", "")))
    return result


class _FamilyNames:
    """Stands in for Faker in ``catalog.company_name``: family names from the pool, faster."""

    def __init__(self, rng: random.Random, names: list[str]):
        self.rng, self.names = rng, names

    def last_name(self) -> str:
        return self.rng.choice(self.names)


def _postal_code(rng: random.Random, country: str) -> str:
    """A postal code in the country's real range (which ``postal.validate`` accepts)."""
    if country == "DE":
        return f"{rng.randint(1067, 99998):05d}"
    if country == "AT":
        return str(rng.randint(1010, 9992))
    if country == "CH":
        return str(rng.randint(1000, 9658))
    return str(rng.randint(9485, 9498))


def build_pool(country: str, size: int, master: catalog.Master, seed: int) -> Pool:
    rng = random.Random(f"{seed}-{country}")
    fake = Faker(catalog.LOCALES[country])
    fake.seed_instance(seed)
    draws = max(size // 2, 300)
    family = _names({fake.last_name() for _ in range(draws)}, country)
    places = [(code, city, fold(city)) for code, city, _a, _l in catalog.PLACES[country]]
    if country != "LI":  # Liechtenstein has just its few real places
        for city in sorted({catalog.swiss(fake.city(), country) for _ in range(size)}):
            places.append((_postal_code(rng, country), city, fold(city)))
    industries = {name: entry.pk for name, entry in master.industries.items()}
    legal_forms = {name: entry.pk for name, entry in master.legal_forms.items()}
    names = _FamilyNames(rng, [name[0] for name in family])
    companies = []
    for _ in range(size * 2):
        industry = rng.choice(list(catalog.INDUSTRIES))
        name, legal, domain = catalog.company_name(rng, names, country, industry)
        companies.append(
            (name, fold(name), domain, legal_forms.get(legal), industries.get(industry))
        )
    return Pool(
        companies=companies,
        places=places,
        streets=[catalog.street(rng, fake, country) for _ in range(size)],
        family=family,
        female=_names({fake.first_name_female() for _ in range(draws)}, country),
        male=_names({fake.first_name_male() for _ in range(draws)}, country),
        phones=[catalog.valid_phone(rng, country, "") for _ in range(min(size, 300))],
        initials=len({name[1][0] for name in family}),
    )
