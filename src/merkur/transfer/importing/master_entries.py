"""Functions and titles an import adds to their master tables (option ``add_to_master_tables``).

The checking processes never use the database, so they cannot add entries
themselves: a row names its unknown title and functions as the file writes
them (staging columns ``p_new_title`` and ``p_new_functions``). After the
plan is made, the importing process gathers those of the rows whose person is
written — one entry for the texts that differ only in case, umlauts or a
final full stop, named as the earliest row writes it — adds them through
``masterdata.master_create`` (change history, order at the end of the list)
and puts their ids into the staged rows, so that the write takes them like
any other entry. A dry run only lists them.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from merkur.business.importer.staging import StagingTable
from merkur.companies.models import Salutation
from merkur.core.masterdata import master_create
from merkur.core.roles import Capability, has_capability
from merkur.transfer.importing import derived, values
from merkur.transfer.importing.staging import PLAN, ROWS, batches
from merkur.transfer.importing.values import master_key

# More new entries than this means a column is mapped wrong (a name column
# mapped to "function"): the run stops before it fills a master table with them.
LIMIT = 100
SPELLINGS = 20 * LIMIT  # ways of writing them read at most; more count as too many
WRITTEN = "p.with_person AND p.action IN ('create', 'add', 'update')"
MAP = "merkur_import_new_entries"  # spelling → entry, while the staged rows take the ids
MAP_COLUMNS = [("kind", "text"), ("name", "text"), ("id", "bigint"), ("entry", "text"),
               ("in_letter", "boolean")]  # fmt: skip
NOT_ALLOWED = gettext_lazy("Only users who maintain the master tables may add entries to them.")
KINDS = {model._meta.model_name: model for model in values.KINDS}  # "title": Title, …


def may_add(user) -> bool:
    """Whether ``user`` may have an import add entries to the master tables."""
    return user is not None and has_capability(user, Capability.MANAGE_MASTER_DATA)


@dataclass
class NewEntries:
    """Entries to add, by kind ("title", "function"): master key → the name as first written.

    ``spellings`` maps each way the rows write them to its key, by kind;
    ``too_many`` is the kind that would get more than ``LIMIT`` ("" if none).
    """

    names: dict[str, dict[str, str]] = field(default_factory=lambda: {kind: {} for kind in KINDS})
    spellings: dict[str, dict[str, str]] = field(
        default_factory=lambda: {kind: {} for kind in KINDS}
    )
    too_many: str = ""

    def __bool__(self) -> bool:
        return any(self.names.values())

    def listed(self) -> dict[str, list[str]]:
        """For the result: {"titles": [...], "functions": [...]}; nothing when too many."""
        if self.too_many:
            return {}
        return {f"{kind}s": list(names.values()) for kind, names in self.names.items()}


def planned() -> NewEntries:
    """The entries the rows about to be written need (read from the staged rows and plan)."""
    entries = NewEntries()
    each, value, position = _each("s.p_new_functions")
    queries = {
        # The earliest row first; within a row, its functions in their order.
        "title": (
            f"SELECT s.p_new_title, min(s.line) AS first FROM {ROWS} s"
            f" JOIN {PLAN} p ON p.line = s.line WHERE {WRITTEN} AND s.p_new_title <> ''"
            " GROUP BY s.p_new_title ORDER BY first LIMIT %s"
        ),
        "function": (
            f"SELECT {value}, min(s.line * 1000 + {position}) AS first FROM {ROWS} s"
            f" JOIN {PLAN} p ON p.line = s.line, {each}"
            f" WHERE {WRITTEN} AND s.p_new_functions <> ''"
            f" GROUP BY {value} ORDER BY first LIMIT %s"
        ),
    }
    with connection.cursor() as cursor:
        for kind, sql in queries.items():
            cursor.execute(sql, [SPELLINGS + 1])
            rows = cursor.fetchall()
            names, spellings = entries.names[kind], entries.spellings[kind]
            for name, _first in rows:
                key = master_key(name)
                names.setdefault(key, name)
                spellings[name] = key
            if len(rows) > SPELLINGS or len(names) > LIMIT:
                entries.too_many = kind
                break
    return entries


def too_many(entries: NewEntries) -> str:
    """The reason to stop the run, or ""."""
    if not entries.too_many:
        return ""
    model = KINDS[entries.too_many]
    return _(
        "The file would add more than %(limit)s entries to the master table “%(table)s”; "
        "check the column mapping."
    ) % {"table": model._meta.verbose_name_plural, "limit": LIMIT}


def add(entries: NewEntries, *, user) -> None:
    """Add the entries and put their ids into the staged rows."""
    table = StagingTable(MAP, MAP_COLUMNS)
    table.create()
    for kind, names in entries.names.items():
        added = _create(KINDS[kind], names, user)
        for spelling, key in entries.spellings[kind].items():
            entry = added[key]
            in_letter = getattr(entry, "in_letter_salutation", False)
            table.add((kind, spelling, entry.pk, entry.name, in_letter))
    table.flush()
    with connection.cursor() as cursor:
        _set_ids(cursor)
    _letter_salutations()
    table.drop()


def _each(column: str) -> tuple[str, str, str]:
    """The elements of a JSON list column as rows: (FROM item, value, position)."""
    if connection.vendor == "postgresql":
        return (
            f"json_array_elements_text({column}::json) WITH ORDINALITY AS f(value, n)",
            "f.value",
            "f.n",
        )
    return f"json_each({column}) AS f", "f.value", "f.key"


def _create(model, names: dict[str, str], user) -> dict[str, object]:
    """Each key → its entry; one added meanwhile (by someone else) is taken as it is."""
    existing = {master_key(entry.name): entry for entry in model.objects.all()}
    for key, name in names.items():
        if key in existing:
            continue
        try:
            existing[key] = master_create(model=model, data={"name": name}, by=user)
        except ValidationError:
            found = model.objects.filter(name__iexact=name).first()
            if found is None:
                raise
            existing[key] = found
    return {key: existing[key] for key in names}


def _set_ids(cursor) -> None:
    """The staged rows' new entries → ids, set-based; only rows that are written."""
    written = f"line IN (SELECT p.line FROM {PLAN} p WHERE {WRITTEN})"
    cursor.execute(
        f"UPDATE {ROWS} SET p_title = (SELECT n.id FROM {MAP} n"
        f" WHERE n.kind = 'title' AND n.name = {ROWS}.p_new_title)"
        f" WHERE p_new_title <> '' AND {written}"
    )
    if connection.vendor == "postgresql":
        ids = "string_agg(DISTINCT n.id::text, ',')"
    else:
        ids = "group_concat(DISTINCT n.id)"
    each, value, _position = _each(f"{ROWS}.p_new_functions")
    new = f"(SELECT {ids} FROM {each} JOIN {MAP} n ON n.kind = 'function' AND n.name = {value})"
    cursor.execute(
        f"UPDATE {ROWS} SET p_functions = CASE WHEN p_functions = '' THEN {new}"
        f" ELSE p_functions || ',' || {new} END WHERE p_new_functions <> '' AND {written}"
    )


def _letter_salutations() -> None:
    """Rows that wrote a new title otherwise than its entry (or whose entry, added
    meanwhile, stays out of the salutation) get their letter salutation again."""
    openings = dict(Salutation.objects.values_list("pk", "letter_salutation"))
    sql = (
        f"SELECT s.line, s.p_salutation, s.p_last_name, n.entry, n.in_letter FROM {ROWS} s"
        f" JOIN {MAP} n ON n.kind = 'title' AND n.name = s.p_new_title"
        f" JOIN {PLAN} p ON p.line = s.line"
        f" WHERE {WRITTEN} AND (n.name <> n.entry OR NOT n.in_letter)"
        " AND s.line > %s ORDER BY s.line LIMIT %s"
    )
    changes = [
        (
            derived.letter_salutation(
                salutation_opening=openings.get(salutation, "") if salutation else "",
                title=entry,
                title_in_salutation=bool(in_letter),
                last_name=last_name,
            ),
            line,
        )
        for line, salutation, last_name, entry, in_letter in batches(sql, [])
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {ROWS} SET p_letter_salutation = %s WHERE line = %s", changes)
