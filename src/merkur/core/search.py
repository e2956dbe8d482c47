"""Word-prefix search over a folded search column, with one meaning on both databases.

``Model.objects.filter(search_text__words="müller bau")`` finds records in which
every word of the query begins a word of the record ("mueller", "baustoffe").
On PostgreSQL this is a full-text query on a stored, generated ``tsvector``
column beside the text (``search_vector``, added by a migration on PostgreSQL
only) with a GIN index; on SQLite it is one ``LIKE '% word%'`` per word over
the text itself. The stored vector matters: computed per row, ``to_tsvector``
made a search that walks the sort index 20 times slower. Query words contain only letters and digits
(``search_terms``), so nothing of the user's input reaches the SQL as syntax.
"""

from django.db import models

from merkur.core.text import search_terms

TSVECTOR = "to_tsvector('simple'::regconfig, {column})"
VECTOR_COLUMN = "search_vector"


class SearchTextField(models.TextField):
    """A text column written with ``merkur.core.text.search_words``.

    On PostgreSQL its table has the generated column ``search_vector`` (see
    ``vector_column_sql``), which the ``words`` lookup queries.
    """


def vector_column_sql(table: str, column: str = "search_text") -> list[str]:
    """DDL that gives ``table`` its stored search vector and the index on it (PostgreSQL)."""
    return [
        f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {VECTOR_COLUMN} tsvector "
        f"GENERATED ALWAYS AS ({TSVECTOR.format(column=column)}) STORED",
        f"CREATE INDEX IF NOT EXISTS {table}_{VECTOR_COLUMN} ON {table} "
        f"USING gin ({VECTOR_COLUMN})",
    ]


@SearchTextField.register_lookup
class Words(models.Lookup):
    lookup_name = "words"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return ("%s", [value])

    def as_sql(self, compiler, connection):
        column, column_params = self.process_lhs(compiler, connection)
        terms = search_terms(self.rhs)
        if not terms:
            return "1 = 1", []
        if connection.vendor == "postgresql":
            query = " & ".join(f"{term}:*" for term in terms)
            vector = compiler.quote_name_unless_alias(self.lhs.alias)
            vector += "." + connection.ops.quote_name(VECTOR_COLUMN)
            return f"{vector} @@ to_tsquery('simple'::regconfig, %s)", [query]
        condition = " AND ".join(f"(' ' || {column}) LIKE %s" for _ in terms)
        params = []
        for term in terms:
            params += [*column_params, f"% {term}%"]
        return condition, params
