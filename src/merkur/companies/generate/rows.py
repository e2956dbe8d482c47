"""Rows of synthetic companies, their contact addresses and people, ready to insert.

The derived columns are filled here exactly as ``Company.refresh_derived`` and
``Person.refresh_derived`` compute them (the tests compare a sample), so that
lists and search cannot tell generated rows from entered ones. Building rows
touches no database, so it runs in a thread beside the inserts.
"""

import random

from django.db import connection, models
from django.utils import timezone

from merkur.addresses.models import Address
from merkur.companies.demo import catalog
from merkur.companies.generate.pools import Pool, build_pool
from merkur.companies.models import Company, CompanyAddress, CompanyRole, Person
from merkur.companies.models.person import GENERIC_LETTER_SALUTATION
from merkur.core.text import search_words_of_folded

_ROLE_MASKS = {
    CompanyRole.to_mask(["customer"]): 50,
    CompanyRole.to_mask(["prospect"]): 28,
    CompanyRole.to_mask(["supplier"]): 12,
    CompanyRole.to_mask(["customer", "supplier"]): 5,
    CompanyRole.to_mask(["carrier"]): 2,
    CompanyRole.to_mask(["bank"]): 1,
    CompanyRole.to_mask(["customer", "contract_partner"]): 2,
}
_EMPLOYEES = [None, 2, 5, 9, 15, 30, 60, 120, 250, 800, 3000]
# Tables in the order they are written.
ORDER = ["address", "company", "link", "person", "industry", "interest", "function", "code"]


class Table:
    """The columns a generator row fills, plus constant defaults for all the others.

    Built from the model, so a field added later gets its default instead of
    breaking the generator (a new field without a default stops it with a clear
    error).
    """

    def __init__(self, model: type[models.Model], columns: list[str], *, with_id: bool):
        self.name = model._meta.db_table
        self.columns = (["id"] if with_id else []) + columns
        defaults = []
        for model_field in model._meta.concrete_fields:
            column = model_field.column
            if column in self.columns or (column == "id" and not with_id):
                continue
            fillable = model_field.has_default() or model_field.null
            if not fillable and not model_field.empty_strings_allowed:
                raise RuntimeError(f"generate does not know how to fill {self.name}.{column}")
            value = model_field.get_db_prep_save(model_field.get_default(), connection)
            defaults.append((column, value))
        self.constants = defaults  # (column, value) of the columns every row shares
        self.all_columns = self.columns + [column for column, _v in defaults]
        self.defaults = tuple(value for _c, value in defaults)
        # What ``load.write`` sends: all columns, unless the constants are column
        # defaults in the database for the load (``load.PostgresConstants``).
        self.write_columns, self.write_defaults = self.all_columns, self.defaults

    def constants_in_database(self, enabled: bool) -> None:
        if enabled:
            self.write_columns, self.write_defaults = self.columns, ()
        else:
            self.write_columns, self.write_defaults = self.all_columns, self.defaults


def _through(model_field) -> type[models.Model]:
    return model_field.remote_field.through


# The columns each generated row fills; all others get their model default.
_COMPANY_COLUMNS = [
    "name", "number", "roles", "phone", "email", "website", "employees", "country",
    "postal_code", "city", "sort_name", "search_text", "company_class_id", "legal_form_id",
    "sales_rep_id",
]  # fmt: skip
_PERSON_COLUMNS = [
    "first_name", "last_name", "letter_salutation", "language", "email", "phone",
    "marketing_opt_out_at", "sort_name", "search_text", "company_id", "salutation_id",
    "title_id",
]  # fmt: skip


def tables() -> dict[str, Table]:
    industries = _through(Company._meta.get_field("industries"))
    interests = _through(Company._meta.get_field("interest_areas"))
    functions = _through(Person._meta.get_field("functions"))
    codes = _through(Person._meta.get_field("person_codes"))
    return {
        "address": Table(Address, ["street", "postal_code", "city", "country"], with_id=True),
        "company": Table(Company, _COMPANY_COLUMNS, with_id=True),
        "link": Table(CompanyAddress, ["kind", "company_id", "address_id"], with_id=False),
        "person": Table(Person, _PERSON_COLUMNS, with_id=True),
        "industry": Table(industries, ["company_id", "industry_id"], with_id=False),
        "interest": Table(interests, ["company_id", "interestarea_id"], with_id=False),
        "function": Table(functions, ["person_id", "function_id"], with_id=False),
        "code": Table(codes, ["person_id", "personcode_id"], with_id=False),
    }


class Generator:
    """Builds the rows batch by batch; deterministic for a seed."""

    def __init__(
        self, *, master: catalog.Master, companies: int, people_per_company: int, seed: int
    ):
        self.rng = random.Random(seed)
        self.master = master
        size = min(4_000, max(100, companies // 20))
        self.pools = {
            country: build_pool(country, size, master, seed) for country in catalog.COUNTRY_SHARES
        }
        self.countries = list(catalog.COUNTRY_SHARES)
        self.country_weights = list(catalog.COUNTRY_SHARES.values())
        low = max(0, people_per_company - 2)
        self.people_range = range(low, 2 * people_per_company - low + 1)  # mean: people_per_company
        self.industry_ids = [entry.pk for entry in master.industries.values()] or [None]
        self.interest_ids = [entry.pk for entry in master.interest_areas.values()] or [None]
        self.class_ids = [entry.pk for entry in master.classes.values()] or [None]
        self.function_ids = [entry.pk for entry in master.functions.values()]
        self.code_ids = [entry.pk for entry in master.person_codes.values()]
        self.rep_ids = {region: entry.pk for region, entry in master.reps.items()}
        self.any_rep = master.all_reps[0].pk if master.all_reps else None
        self.masks = list(_ROLE_MASKS)
        self.mask_weights = list(_ROLE_MASKS.values())
        self.salutations = self._salutations()
        self.opt_out_at = timezone.now() - timezone.timedelta(days=90)

    def _salutations(self) -> list[tuple[str, int | None, int | None, str]]:
        """(gender, salutation id, title id, letter salutation before the last name)."""
        master = self.master
        found = []
        for gender, name, weight in (("f", "Frau", 48), ("m", "Herr", 50), ("f", "Divers", 2)):
            salutation = master.salutations.get(name)
            for title_name, share in ((None, 88), ("Dr.", 7), ("Prof. Dr.", 2), ("Dipl.-Ing.", 3)):
                title = master.titles.get(title_name) if title_name else None
                # The same composition as Person.generated_letter_salutation.
                opening = ""
                if salutation and salutation.letter_salutation:
                    parts = [
                        salutation.letter_salutation,
                        title.name if title and title.in_letter_salutation else "",
                    ]
                    opening = " ".join(p for p in parts if p)
                found.extend(
                    [
                        (
                            gender,
                            salutation.pk if salutation else None,
                            title.pk if title else None,
                            opening,
                        )
                    ]
                    * (weight * share // 50 or 1)
                )
        return found

    def people_counts(self, companies: int) -> list[int]:
        """How many people each company gets (drawn first, so that ids can be reserved)."""
        return self.rng.choices(self.people_range, k=companies)

    def batch(self, people_counts: list[int], ids: dict[str, int]) -> dict[str, list[tuple]]:
        """Rows of ``len(people_counts)`` companies and all that belongs to them, by table.

        ``ids`` holds the first free company, address and person id and is advanced.
        """
        picked = self.rng.choices(
            self.countries, weights=self.country_weights, k=len(people_counts)
        )
        rows: dict[str, list[tuple]] = {name: [] for name in ORDER}
        offset = 0
        for country in self.countries:
            count = picked.count(country)
            if count:
                self._country(country, people_counts[offset : offset + count], ids, rows)
                offset += count
        return rows

    def _country(self, country: str, people_counts: list[int], ids: dict, rows: dict) -> None:
        """Rows for ``len(people_counts)`` companies of one country.

        Random picks are drawn for the whole batch at once (``choices(k=…)`` is
        several times faster than one ``choice`` per value); flags come from the
        bits of one random number per row.
        """
        rng, pool = self.rng, self.pools[country]
        choices, getrandbits = rng.choices, rng.getrandbits
        n = len(people_counts)
        company_id, address_id = ids["company"], ids["address"]
        person_rows, function_rows, code_rows = rows["person"], rows["function"], rows["code"]
        people = self._people_draws(pool, sum(people_counts))
        person_index = 0
        for (
            (name, folded_name, domain, legal_form_id, industry_id),
            (postal_code, city, folded_city),
            street, phone, mask, employees, class_id, other_industry, interests, count, bits,
        ) in zip(
            choices(pool.companies, k=n),
            choices(pool.places, k=n),
            choices(pool.streets, k=n),
            choices(pool.phones, k=n),
            choices(self.masks, weights=self.mask_weights, k=n),
            choices(_EMPLOYEES, k=n),
            choices(self.class_ids, k=n),
            choices(self.industry_ids, k=n),
            zip(choices(self.interest_ids, k=n), choices(self.interest_ids, k=n), strict=True),
            people_counts,
            [getrandbits(8) for _ in range(n)],
            strict=True,
        ):  # fmt: skip
            number = f"G{company_id:08d}"
            email = "info@" + domain
            search = f"{folded_name} {number.lower()} {folded_city} {email}"
            if count:
                search += " " + self._people(
                    pool, people, person_index, count, company_id, ids["person"], domain,
                    person_rows, function_rows, code_rows,
                )  # fmt: skip
                person_index += count
                ids["person"] += count
            search = search_words_of_folded(search)
            rows["address"].append((address_id, street, postal_code, city, country))
            rows["company"].append(
                (
                    company_id, name, number, mask, phone, email, "https://www." + domain,
                    employees, country, postal_code, city, folded_name[:400], search, class_id,
                    legal_form_id, self._rep(country, postal_code),
                )
            )  # fmt: skip
            rows["link"].append(("contact", company_id, address_id))
            if industry_id:
                rows["industry"].append((company_id, industry_id))
            if bits & 3 == 0 and other_industry != industry_id:  # a quarter have two
                rows["industry"].append((company_id, other_industry))
            interest_count = (bits >> 2) & 7  # 0–2: none, 3–5: one, 6–7: two
            if interest_count >= 3 and interests[0]:
                rows["interest"].append((company_id, interests[0]))
                if interest_count >= 6 and interests[1] != interests[0]:
                    rows["interest"].append((company_id, interests[1]))
            company_id += 1
            address_id += 1
        ids["company"], ids["address"] = company_id, address_id

    def _people_draws(self, pool: Pool, count: int) -> list[list]:
        choices = self.rng.choices
        getrandbits = self.rng.getrandbits
        return [
            choices(pool.family, k=count),
            choices(self.salutations, k=count),
            choices(pool.female, k=count),
            choices(pool.male, k=count),
            choices(pool.phones, k=count),
            choices(self.function_ids or [None], k=count),
            choices(self.code_ids or [None], k=count),
            [getrandbits(16) for _ in range(count)],
        ]

    def _rep(self, country: str, postal_code: str) -> int | None:
        """The rep of the region, as the demo assigns them; any rep if the users made others."""
        return self.rep_ids.get(catalog.rep_region(country, postal_code), self.any_rep)

    def _people(
        self, pool, draws, start, count, company_id, person_id, domain, rows, functions, codes
    ) -> str:
        """Add a company's people; return their part of the company's search text.

        The company's search text lists its people in ``sort_name`` order (as
        ``Company.refresh_derived`` reads them); different initials of the last
        names make that order the same under any database collation.
        """
        families, salutations, females, males, phones, function_ids, code_ids, bits = draws
        people = []
        initials = set()
        for index in range(start, start + count):
            family = families[index]
            if count <= pool.initials:
                while family[1][0] in initials:
                    family = self.rng.choice(pool.family)
                initials.add(family[1][0])
            gender, salutation_id, title_id, opening = salutations[index]
            first = females[index] if gender == "f" else males[index]
            flags = bits[index]
            email = f"{first[2]}.{family[2]}@{domain}" if flags & 15 else ""  # 15 in 16
            people.append((f"{family[1]} {first[1]}", family, first, email, opening,
                           salutation_id, title_id, index))  # fmt: skip
        people.sort()
        texts = []
        for sort_name, family, first, email, opening, salutation_id, title_id, index in people:
            search = f"{first[1]} {family[1]} {email}" if email else f"{first[1]} {family[1]}"
            texts.append(search)
            search = search_words_of_folded(search)
            flags = bits[index]
            rows.append(
                (
                    person_id, first[0], family[0],
                    f"{opening} {family[0]}" if opening else GENERIC_LETTER_SALUTATION,
                    "de", email, phones[index] if flags & 16 else "",
                    self.opt_out_at if (flags >> 5) & 31 == 0 else None,  # 1 in 32
                    sort_name[:250], search, company_id, salutation_id, title_id,
                )
            )  # fmt: skip
            if (flags >> 10) & 7 and function_ids[index]:  # 7 in 8 have a function
                functions.append((person_id, function_ids[index]))
            if (flags >> 13) & 7 == 0 and code_ids[index]:  # 1 in 8 have a person code
                codes.append((person_id, code_ids[index]))
            person_id += 1
        return " ".join(texts)
