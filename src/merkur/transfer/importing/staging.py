"""The temporary tables an import works in.

Checked rows are staged with everything the final writes need (the values,
the derived columns, the keys for finding duplicates), so that duplicates are
found and records written with a few set-based statements instead of several
per row, and the file is read only once. The tables live in the import's
connection and transaction and are dropped at its end.
"""

from django.db import connection

from merkur.business.importer.staging import StagingTable

ROWS = "merkur_import_rows"
MATCHES = "merkur_import_matches"  # a row found in the database
LEADERS = "merkur_import_leaders"  # a row repeating an earlier row of the file
PEOPLE = "merkur_import_people"  # the person of a matched company a row names
PLAN = "merkur_import_plan"  # what happens to each row
PLACES = "merkur_import_places"  # the file's postal codes, numbered

ROW_COLUMNS = [
    ("line", "bigint"),
    ("raw", "text"),
    ("has_person", "boolean"),
    ("c_name", "text"),
    ("c_name2", "text"),
    ("c_number", "text"),
    ("c_vat_id", "text"),
    ("c_email", "text"),
    ("c_website", "text"),
    ("c_phone", "text"),
    ("c_employees", "bigint"),
    ("c_sort_name", "text"),
    ("c_search", "text"),
    ("a_street", "text"),
    ("a_street2", "text"),
    ("a_po_box", "text"),
    ("a_postal_code", "text"),
    ("a_city", "text"),
    ("a_region", "text"),
    ("a_country", "text"),
    ("p_salutation", "bigint"),
    ("p_title", "bigint"),
    ("p_first_name", "text"),
    ("p_last_name", "text"),
    ("p_letter_salutation", "text"),
    ("p_department", "text"),
    ("p_email", "text"),
    ("p_phone", "text"),
    ("p_mobile", "text"),
    ("p_notes", "text"),
    ("p_consent", "timestamptz"),
    ("p_opt_out", "timestamptz"),
    ("p_functions", "text"),  # ids: "3,7"
    ("p_new_title", "text"),  # a title to add to its master table, as the file writes it
    ("p_new_functions", "text"),  # functions to add to their master table: a JSON list
    ("p_sort_name", "text"),
    ("p_search", "text"),
    ("k_email", "text"),  # the person's e-mail, lower case
    ("k_cemail", "text"),  # the company's e-mail, lower case
    ("k_name", "text"),  # names.normalize_company
    ("k_street", "text"),  # names.normalize_street
    ("k_person", "text"),  # normalised first and last name
]
COLUMN_NAMES = [name for name, _type in ROW_COLUMNS]
MATCH_COLUMNS = [("line", "bigint"), ("rule", "text"), ("company", "bigint"), ("person", "bigint")]
LEADER_COLUMNS = [("line", "bigint"), ("leader", "bigint"), ("rule", "text")]
PEOPLE_COLUMNS = [("line", "bigint"), ("person", "bigint")]
PLACE_COLUMNS = [("n", "bigint"), ("country", "text"), ("postal_code", "text")]
PLAN_COLUMNS = [
    ("line", "bigint"),
    ("action", "text"),  # create, update, add (a person to a company), skip, refuse
    ("rule", "text"),
    ("company", "bigint"),  # existing company (update, add, skip)
    ("new_company", "bigint"),  # offset of a company created by this import
    ("person", "bigint"),  # existing person to update
    ("new_person", "bigint"),  # offset of a person created by this import
    ("with_person", "boolean"),  # the row's person is written (created or updated)
    ("refers_to", "bigint"),  # the earlier line (file rule)
]


class Tables:
    """The import's temporary tables: create, fill, index and drop them together."""

    def __init__(self):
        self.rows = StagingTable(ROWS, ROW_COLUMNS)
        self.matches = StagingTable(MATCHES, MATCH_COLUMNS)
        self.leaders = StagingTable(LEADERS, LEADER_COLUMNS)
        self.people = StagingTable(PEOPLE, PEOPLE_COLUMNS)
        self.plan = StagingTable(PLAN, PLAN_COLUMNS)
        self.places = StagingTable(PLACES, PLACE_COLUMNS)
        self.all = [self.rows, self.matches, self.leaders, self.people, self.plan, self.places]

    def create(self) -> None:
        for table in self.all:
            table.create()
        with connection.cursor() as cursor:
            # Looked up row by row while they fill (EXISTS … WHERE line = …).
            for table in (MATCHES, LEADERS, PEOPLE):
                cursor.execute(f"CREATE INDEX {table}_line ON {table} (line)")

    def drop(self) -> None:
        for table in self.all:
            table.drop()

    def index_rows(self) -> None:
        """Indexes for the look-ups that follow; then statistics for the planner."""
        self.rows.flush()
        with connection.cursor() as cursor:
            for name, columns in (
                ("line", "line"),
                ("number", "c_number"),
                ("email", "k_email"),
                ("cemail", "k_cemail"),
                ("place", "a_country, a_postal_code, line"),
            ):
                cursor.execute(f"CREATE INDEX {ROWS}_{name} ON {ROWS} ({columns})")
        if connection.vendor == "postgresql":
            self.rows.analyze()

    def index_results(self) -> None:
        for table in (self.matches, self.leaders, self.people):
            table.flush()
        if connection.vendor == "postgresql":
            for table in (self.matches, self.leaders, self.people):
                table.analyze()

    def index_plan(self) -> None:
        self.plan.flush()
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX {PLAN}_line ON {PLAN} (line)")
            cursor.execute(f"CREATE INDEX {PLAN}_action ON {PLAN} (action, line)")
        if connection.vendor == "postgresql":
            self.plan.analyze()


def batches(sql: str, params: list | dict, *, size: int = 5_000):
    """Run a ``SELECT … WHERE line > %s … ORDER BY line LIMIT %s`` page by page.

    ``sql`` has two placeholders at its end for the last line seen and the page
    size; the first column of each row is the line. With ``params`` a dict, the
    placeholders are named ``%(last)s`` and ``%(size)s`` and may appear more than
    once (a joined table limited to the page's lines, too). Pages keep memory
    flat and leave the connection free for writes between them (SQLite cannot
    write while a cursor reads).
    """
    last = 0
    while True:
        with connection.cursor() as cursor:
            if isinstance(params, dict):
                cursor.execute(sql, {**params, "last": last, "size": size})
            else:
                cursor.execute(sql, [*params, last, size])
            rows = cursor.fetchall()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]
        if len(rows) < size:
            return
