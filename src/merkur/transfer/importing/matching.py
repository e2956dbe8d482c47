"""Finding duplicates: of the database's companies and people, and within the file.

Rules, in order (the first that finds something counts):

- ``number``: the customer number equals an existing company's;
- ``email``: the person's e-mail equals an existing person's (case ignored),
  or the company's e-mail an existing company's;
- ``name``: the normalised company name is similar (``names.similarity`` ≥
  the threshold) to an existing company's at the same country and postal
  code, and the streets agree (same house number, similar street) — or one
  of the two has no street;
- ``file``: the row repeats an earlier row of the file by the same rules.

Every look-up is set-based: the exact rules are joins of the staged rows
with the companies and people (index or hash joins); the similar names are
compared postal code by postal code: the file's postal codes are numbered,
and for a page of them the staged rows and the names of the existing
companies there are read (through the postal code indexes) and compared;
the streets are read only for the companies whose names are alike. Memory
holds one page of postal codes at a time.
"""

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache
from itertools import groupby

from django.db import connection
from rapidfuzz import fuzz, process

from merkur.addresses.models import Address
from merkur.companies.models import Company, CompanyAddress, Person
from merkur.transfer import names
from merkur.transfer.importing.staging import LEADERS, MATCHES, PLACES, ROWS, Tables
from merkur.transfer.importing.timing import timed

COMPANY_PAGE = 1_000
PLACES_PAGE = 200


def find_duplicates(tables: Tables, *, similarity: int, progress=None, steps=None) -> None:
    """Fill the matches, leaders and people tables for the staged rows.

    ``steps`` (a dict) gets the seconds of each part.
    """
    steps = {} if steps is None else steps
    with timed(steps, "match.exact"):
        _exact_in_database(tables)
    with timed(steps, "match.exact_file"):
        _exact_in_file(tables)
        tables.matches.flush()
        tables.leaders.flush()
    with timed(steps, "match.similar"):
        _similar(tables, similarity, progress)
        tables.matches.flush()
        tables.leaders.flush()
    with timed(steps, "match.people"):
        _collapse_leaders()
        _people_of_matches(tables)
        tables.index_results()


# --- exact rules -----------------------------------------------------------------------------


def _exact_in_database(tables: Tables) -> None:
    company, person = Company._meta.db_table, Person._meta.db_table
    unmatched = f"NOT EXISTS (SELECT 1 FROM {MATCHES} m WHERE m.line = s.line)"
    statements = [
        # Archived companies count: their number stays taken.
        f"INSERT INTO {MATCHES} (line, rule, company, person)"
        f" SELECT s.line, 'number', min(c.id), NULL FROM {ROWS} s"
        f" JOIN {company} c ON c.number = s.c_number"
        f" WHERE s.c_number <> '' GROUP BY s.line",
        f"INSERT INTO {MATCHES} (line, rule, company, person)"
        f" SELECT s.line, 'email', min(p.company_id), min(p.id) FROM {ROWS} s"
        f" JOIN {person} p ON lower(p.email) = s.k_email"
        f" WHERE s.k_email <> '' AND p.email <> '' AND p.archived_at IS NULL AND {unmatched}"
        f" GROUP BY s.line",
        f"INSERT INTO {MATCHES} (line, rule, company, person)"
        f" SELECT s.line, 'email', min(c.id), NULL FROM {ROWS} s"
        f" JOIN {company} c ON lower(c.email) = s.k_cemail"
        f" WHERE s.k_cemail <> '' AND c.email <> '' AND c.archived_at IS NULL AND {unmatched}"
        f" GROUP BY s.line",
    ]
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _exact_in_file(tables: Tables) -> None:
    """An earlier row with the same number, person e-mail or company e-mail leads."""
    not_led = f"NOT EXISTS (SELECT 1 FROM {LEADERS} f WHERE f.line = t.line)"
    with connection.cursor() as cursor:
        for rule, column in (("number", "c_number"), ("email", "k_email"), ("email", "k_cemail")):
            cursor.execute(
                f"INSERT INTO {LEADERS} (line, leader, rule)"
                f" SELECT t.line, t.first, %s FROM ("
                f"  SELECT line, min(line) OVER (PARTITION BY {column}) AS first"
                f"  FROM {ROWS} WHERE {column} <> '') t"
                f" WHERE t.line <> t.first AND {not_led}",
                [rule],
            )


def _collapse_leaders() -> None:
    """Point every follower at the first row of its chain (leaders are always earlier rows)."""
    with connection.cursor() as cursor:
        for _round in range(50):
            cursor.execute(
                f"UPDATE {LEADERS} SET leader = (SELECT g.leader FROM {LEADERS} g"
                f" WHERE g.line = {LEADERS}.leader)"
                f" WHERE leader IN (SELECT line FROM {LEADERS})"
            )
            if cursor.rowcount == 0:
                return


# --- similar names at the same place ------------------------------------------------------------


@lru_cache(maxsize=100_000)
def _company_key(name: str) -> str:
    return names.normalize_company(name)


@lru_cache(maxsize=100_000)
def _street_key(street: str) -> tuple[str, str]:
    return names.split_street(names.normalize_street(street))


@lru_cache(maxsize=100_000)
def _numbers(name: str) -> tuple[str, ...]:
    """The numbers in a name: "Filiale 12" and "Filiale 13" are two companies."""
    return tuple(sorted(_NUMBER.findall(name)))


_NUMBER = re.compile(r"\d+")


@lru_cache(maxsize=200_000)
def _sorted_words(name: str) -> str:
    """A name key with its words sorted, for ``fuzz.ratio``.

    ``fuzz.ratio`` of two sorted keys is ``fuzz.token_sort_ratio`` of the keys
    (``names.similarity``); sorting each key once instead of in every comparison
    makes the comparisons four times faster (``test_duplicates`` compares both).
    """
    return " ".join(sorted(name.split()))


def _streets_agree(a: tuple[str, str], b: tuple[str, str], threshold: int) -> bool:
    if not a[0] or not b[0]:
        return True  # a list without streets: name and postal code decide
    if a[1] != b[1]:
        return False  # another house number is another building
    return names.similarity(a[0], b[0]) >= threshold


def _similar(tables: Tables, threshold: int, progress) -> None:
    """Compare name and street postal code by postal code, a page of postal codes at a time."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PLACES} (n, country, postal_code)"
            f" SELECT row_number() OVER (ORDER BY a_country, a_postal_code), a_country,"
            f" a_postal_code FROM (SELECT DISTINCT a_country, a_postal_code FROM {ROWS}"
            f"  WHERE a_postal_code <> '') d"
        )
        cursor.execute(f"CREATE INDEX {PLACES}_n ON {PLACES} (n)")
        cursor.execute(f"SELECT count(*) FROM {PLACES}")
        total = cursor.fetchone()[0]
    done = 0
    for first in range(1, total + 1, PLACES_PAGE):
        last = first + PLACES_PAGE - 1
        existing = {
            n: _NamePool([(entry[1], _company_key(entry[2])) for entry in entries])
            for n, entries in groupby(_existing_at(first, last), key=lambda row: row[0])
        }
        places = [(n, list(rows)) for n, rows in groupby(_rows_at(first, last), key=_place)]
        # Names first; the streets only of the companies whose names are alike.
        similar: dict[int, list[int]] = {}
        for n, rows in places:
            pool = existing.get(n)
            if pool is None:
                continue
            for _n, line, name_key, _street, matched, _led in rows:
                if not matched:
                    found = pool.similar(name_key, threshold)
                    if found:
                        similar[line] = found
        streets = _contact_streets({pk for found in similar.values() for pk in found})
        for _n, rows in places:
            done += _compare_place(tables, rows, similar, streets, threshold)
        if progress is not None:
            progress(done)


def _place(row: tuple) -> int:
    return row[0]


class _NamePool:
    """The existing companies at one postal code: (id, name key), looked up by name.

    A pool of more than ``LIMIT`` companies is looked up by the first three
    letters of the name. Each (part of a) pool is kept in order of the names'
    lengths: a name can only be as similar as ``threshold`` to names whose
    length is close enough to its own (``_Lengths``), so only those are compared.
    """

    LIMIT = 2_000

    def __init__(self, entries: list[tuple[int, str]], limit: int = LIMIT):
        groups: dict[str, list] = {}
        self.by_prefix = len(entries) > limit
        for position, (pk, name) in enumerate(entries):
            key = name[:3] if self.by_prefix else ""
            groups.setdefault(key, []).append((position, pk, name, _sorted_words(name)))
        self.groups = {key: _Lengths(group) for key, group in groups.items()}

    def similar(self, name: str, threshold: int) -> list[int]:
        """Ids of companies with a similar name (same numbers in it), most similar first."""
        group = self.groups.get(name[:3] if self.by_prefix else "")
        if group is None:
            return []
        numbers = _numbers(name)
        return [
            entry[1]
            for entry in group.similar(_sorted_words(name), threshold)
            if _numbers(entry[2]) == numbers
        ]


class _Lengths:
    """Entries (position, id, name key, sorted words) by the length of their words.

    ``fuzz.ratio`` is 100 × (1 − d / (m + n)) for lengths m and n, and the edit
    distance d is at least |m − n|; so a score of at least t needs
    t·m / (200 − t) ≤ n ≤ (200 − t)·m / t. Only the entries in that range are
    compared, and the results come in the order ``process.extract`` gives for
    all of them: by score, then by position.
    """

    def __init__(self, entries: list[tuple]):
        self.entries = sorted(entries, key=lambda entry: (len(entry[3]), entry[0]))
        self.lengths = [len(entry[3]) for entry in self.entries]
        self.words = [entry[3] for entry in self.entries]

    def similar(self, words: str, threshold: int) -> list[tuple]:
        size = len(words)
        # A little room at both ends: the scores are floating point.
        low = bisect_left(self.lengths, threshold * size / (200 - threshold) - 1e-6)
        high = bisect_right(self.lengths, (200 - threshold) * size / max(threshold, 1) + 1e-6)
        if low >= high:
            return []
        found = process.extract(
            words, self.words[low:high], scorer=fuzz.ratio, score_cutoff=threshold, limit=None
        )
        ranked = sorted((-score, self.entries[low + index]) for _words, score, index in found)
        return [entry for _score, entry in ranked]


def _contact_streets(ids: set[int]) -> dict[int, str]:
    """Company id → street of its contact address, for a set of companies."""
    link, address = CompanyAddress._meta.db_table, Address._meta.db_table
    streets: dict[int, str] = {}
    ordered = sorted(ids)
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), 5_000):
            chunk = ordered[start : start + 5_000]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT l.company_id, a.street FROM {link} l JOIN {address} a"
                f" ON a.id = l.address_id WHERE l.kind = 'contact' AND l.company_id IN ({marks})",
                chunk,
            )
            streets.update(cursor.fetchall())
    return streets


class _Candidates:
    """Companies (or earlier rows) at one postal code, indexed for the rows that look them up.

    Streets must agree, so a row with a house number is compared with those at
    the same number (and those without a street); a row without a street with
    all of them. When that is still more than ``LIMIT`` (a file of thousands of
    rows at one postal code), only names starting with the same three letters
    are compared, which keeps the work linear.
    """

    LIMIT = 500

    def __init__(self, entries=()):
        self.all: list[tuple] = []
        self.by_number: dict[str, list[tuple]] = {}
        self.by_prefix: dict[str, list[tuple]] = {}
        self.no_street: list[tuple] = []
        self.no_street_by_prefix: dict[str, list[tuple]] = {}
        for entry in entries:
            self.add(entry)

    def add(self, entry: tuple) -> None:
        """``entry``: (id or line, name key, street key, ``_sorted_words`` of the name)."""
        _ident, name, street, _words = entry
        prefix = name[:3]
        self.all.append(entry)
        self.by_prefix.setdefault(prefix, []).append(entry)
        if street[0]:
            self.by_number.setdefault(street[1], []).append(entry)
        else:
            self.no_street.append(entry)
            self.no_street_by_prefix.setdefault(prefix, []).append(entry)

    def for_row(self, name: str, street: tuple[str, str]) -> list[tuple]:
        prefix = name[:3]
        if not street[0]:
            return self.all if len(self.all) <= self.LIMIT else self.by_prefix.get(prefix, [])
        same = self.by_number.get(street[1], [])
        if len(same) > self.LIMIT:
            same = [entry for entry in same if entry[1][:3] == prefix]
        if len(self.no_street) <= self.LIMIT:
            return same + self.no_street
        return same + self.no_street_by_prefix.get(prefix, [])

    def best(self, name: str, street: tuple[str, str], threshold: int):
        """The most similar entry whose street agrees, or ``None``."""
        pool = self.for_row(name, street)
        if not pool:
            return None
        for _name, _score, index in process.extract(
            _sorted_words(name),
            [entry[3] for entry in pool],
            scorer=fuzz.ratio,
            score_cutoff=threshold,
            limit=None,
        ):
            entry = pool[index]
            if _numbers(name) == _numbers(entry[1]) and _streets_agree(street, entry[2], threshold):
                return entry
        return None


def _compare_place(
    tables: Tables,
    rows: list[tuple],
    similar: dict[int, list[int]],
    streets: dict[int, str],
    threshold: int,
) -> int:
    """Decide the rows at one postal code: an existing company, an earlier row, or neither."""
    roots = _Candidates()  # earlier rows that lead (no exact leader, no similar earlier row)
    for _n, line, name_key, street, _matched, led in rows:
        street_key = _street_key(street)
        for pk in similar.get(line, ()):
            if _streets_agree(street_key, _street_key(streets.get(pk, "")), threshold):
                tables.matches.add((line, "name", pk, None))
                break
        if led:
            continue
        leader = roots.best(name_key, street_key, threshold)
        if leader is None:
            roots.add((line, name_key, street_key, _sorted_words(name_key)))
        else:
            tables.leaders.add((line, leader[0], "name"))
    return len(rows)


def _rows_at(first: int, last: int) -> list[tuple]:
    """The staged rows at the postal codes numbered ``first``…``last``, by place and line."""
    sql = (
        f"SELECT pl.n, s.line, s.k_name, s.a_street,"
        f" EXISTS (SELECT 1 FROM {MATCHES} m WHERE m.line = s.line),"
        f" EXISTS (SELECT 1 FROM {LEADERS} f WHERE f.line = s.line)"
        f" FROM {PLACES} pl JOIN {ROWS} s"
        f" ON s.a_country = pl.country AND s.a_postal_code = pl.postal_code"
        f" WHERE pl.n BETWEEN %s AND %s ORDER BY pl.n, s.line"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [first, last])
        return cursor.fetchall()


def _existing_at(first: int, last: int) -> list[tuple]:
    """Active companies at the postal codes numbered ``first``…``last``: (n, id, name)."""
    company = Company._meta.db_table
    sql = (
        f"SELECT pl.n, c.id, c.name FROM {PLACES} pl"
        f" JOIN {company} c ON c.country = pl.country AND c.postal_code = pl.postal_code"
        f" WHERE pl.n BETWEEN %s AND %s AND c.archived_at IS NULL ORDER BY pl.n, c.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [first, last])
        return cursor.fetchall()


# --- the person at a matched company -------------------------------------------------------------


def _people_of_matches(tables: Tables) -> None:
    """For rows matched to a company: its person with the same (normalised) name.

    Walks the matched companies a page at a time: their people's names are
    normalised once, then each row matched to them looks its person up.
    """
    person = Person._meta.db_table
    wanted = "m.person IS NULL AND s.has_person AND s.k_person <> ''"
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT m.company FROM {MATCHES} m JOIN {ROWS} s ON s.line = m.line"
                f" WHERE {wanted} AND m.company > %s ORDER BY m.company LIMIT %s",
                [last, COMPANY_PAGE],
            )
            companies = [row[0] for row in cursor.fetchall()]
            if not companies:
                return
            low, high = companies[0], companies[-1]
            cursor.execute(
                f"SELECT p.company_id, p.id, p.first_name, p.last_name FROM {person} p"
                f" WHERE p.company_id IN (SELECT DISTINCT m.company FROM {MATCHES} m"
                f"  WHERE m.company BETWEEN %s AND %s) AND p.archived_at IS NULL"
                f" ORDER BY p.id",
                [low, high],
            )
            known: dict[tuple[int, str], int] = {}
            for company_id, person_id, first, last_name in cursor.fetchall():
                known.setdefault((company_id, person_key(first, last_name)), person_id)
            cursor.execute(
                f"SELECT m.line, m.company, s.k_person FROM {MATCHES} m"
                f" JOIN {ROWS} s ON s.line = m.line"
                f" WHERE {wanted} AND m.company BETWEEN %s AND %s",
                [low, high],
            )
            for line, company_id, key in cursor.fetchall():
                person_id = known.get((company_id, key))
                if person_id is not None:
                    tables.people.add((line, person_id))
        if len(companies) < COMPANY_PAGE:
            return
        last = high


_person_part = lru_cache(maxsize=100_000)(names.normalize_person)


def person_key(first_name: str, last_name: str) -> str:
    """First and last name for matching a person: "Hans-Peter Müller" → "hans peter mueller"."""
    return " ".join(part for part in (_person_part(first_name), _person_part(last_name)) if part)
