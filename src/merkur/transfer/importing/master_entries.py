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

from merkur.companies.models import Function, Title
from merkur.core.masterdata import master_create
from merkur.core.roles import Capability, has_capability
from merkur.transfer.importing.staging import PLAN, ROWS
from merkur.transfer.importing.values import master_key

# More new entries than this means a column is mapped wrong (a name column
# mapped to "function"): the run stops before it fills a master table with them.
LIMIT = 100
WRITTEN = "p.with_person AND p.action IN ('create', 'add', 'update')"
MAP = "merkur_import_new_entries"  # spelling → id, while the staged rows take the ids
NOT_ALLOWED = gettext_lazy("Only users who maintain the master tables may add entries to them.")


def may_add(user) -> bool:
    """Whether ``user`` may have an import add entries (``None``: the command line)."""
    return user is None or has_capability(user, Capability.MANAGE_MASTER_DATA)


@dataclass
class NewEntries:
    """Entries to add, by table: master key → the name as the earliest row writes it.

    ``spellings`` maps each way the rows write them to its key, by table.
    """

    titles: dict[str, str] = field(default_factory=dict)
    functions: dict[str, str] = field(default_factory=dict)
    spellings: dict[str, dict[str, str]] = field(
        default_factory=lambda: {"title": {}, "function": {}}
    )

    def __bool__(self) -> bool:
        return bool(self.titles or self.functions)

    def names(self) -> dict[str, list[str]]:
        return {"titles": list(self.titles.values()), "functions": list(self.functions.values())}


def planned() -> NewEntries:
    """The entries the rows about to be written need (read from the staged rows and plan)."""
    entries = NewEntries()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.p_new_title, min(s.line) AS first FROM {ROWS} s"
            f" JOIN {PLAN} p ON p.line = s.line WHERE {WRITTEN} AND s.p_new_title <> ''"
            " GROUP BY s.p_new_title ORDER BY first"
        )
        _collect(entries.titles, entries.spellings["title"], cursor.fetchall())
        cursor.execute(
            f"SELECT f.value, min(s.line) AS first FROM {ROWS} s"
            f" JOIN {PLAN} p ON p.line = s.line, {_each('s.p_new_functions')}"
            f" WHERE {WRITTEN} AND s.p_new_functions <> ''"
            " GROUP BY f.value ORDER BY first"
        )
        _collect(entries.functions, entries.spellings["function"], cursor.fetchall())
    return entries


def too_many(entries: NewEntries) -> str:
    """The reason to stop the run, or ""."""
    for model, names in ((Title, entries.titles), (Function, entries.functions)):
        if len(names) > LIMIT:
            return _(
                "The file would add %(count)s entries to the master table “%(table)s” "
                "(at most %(limit)s in one import); check the column mapping."
            ) % {"count": len(names), "table": model._meta.verbose_name_plural, "limit": LIMIT}
    return ""


def add(entries: NewEntries, *, user) -> None:
    """Add the entries and put their ids into the staged rows."""
    ids = {
        "title": _create(Title, entries.titles, user),
        "function": _create(Function, entries.functions, user),
    }
    rows = [
        (kind, spelling, ids[kind][key])
        for kind, spellings in entries.spellings.items()
        for spelling, key in spellings.items()
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE {MAP} (kind text, name text, id bigint)")
        try:
            cursor.executemany(f"INSERT INTO {MAP} (kind, name, id) VALUES (%s, %s, %s)", rows)
            _set_ids(cursor)
        finally:
            cursor.execute(f"DROP TABLE {MAP}")


def _collect(names: dict[str, str], spellings: dict[str, str], rows) -> None:
    """First spelling of each key, in file order (the rows come ordered by first line)."""
    for name, _first in rows:
        key = master_key(name)
        names.setdefault(key, name)
        spellings[name] = key


def _each(column: str) -> str:
    """The elements of a JSON list column as rows with a ``value`` column."""
    if connection.vendor == "postgresql":
        return f"json_array_elements_text({column}::json) AS f(value)"
    return f"json_each({column}) AS f"


def _create(model, names: dict[str, str], user) -> dict[str, int]:
    """Each spelling of a new entry → its id; an entry added meanwhile is taken as it is."""
    existing = {master_key(entry.name): entry.pk for entry in model.objects.all()}
    created = {}
    for key, name in names.items():
        if key not in existing:
            try:
                existing[key] = master_create(model=model, data={"name": name}, by=user).pk
            except ValidationError:  # the same name, added by someone else meanwhile
                existing[key] = model.objects.get(name__iexact=name).pk
        created[key] = existing[key]
    return created


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
    new = (
        f"(SELECT {ids} FROM {_each(ROWS + '.p_new_functions')}"
        f" JOIN {MAP} n ON n.kind = 'function' AND n.name = f.value)"
    )
    cursor.execute(
        f"UPDATE {ROWS} SET p_functions = CASE WHEN p_functions = '' THEN {new}"
        f" ELSE p_functions || ',' || {new} END WHERE p_new_functions <> '' AND {written}"
    )
