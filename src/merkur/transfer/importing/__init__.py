"""Importing address files: checked rows, duplicates found, decisions applied, records written.

The steps, each a module: ``options`` (what a run is told), ``values`` (a
mapped row checked with the forms' rules), ``staging`` (the temporary
tables), ``matching`` (duplicates in the database and the file), ``decide``
(what happens to each row), ``writing`` (set-based inserts, updates through
the services), ``links`` (sales orders, marketing events), ``pipeline``
(the run in one transaction) and ``result`` (counts, bad rows). See
docs/import.md.
"""

from merkur.transfer.importing.options import ImportOptions, OptionsError
from merkur.transfer.importing.pipeline import run_import
from merkur.transfer.importing.result import ImportResult

__all__ = ["ImportOptions", "ImportResult", "OptionsError", "run_import"]
