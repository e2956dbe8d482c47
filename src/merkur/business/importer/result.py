"""What an import reports: counts, and every bad row with file, line, column and reason."""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from merkur.core.listexport import neutralise

# Kept in memory for the screen and the API; all of them go to the errors file.
KEPT_ERRORS = 1_000


@dataclass(frozen=True)
class RowError:
    line: int  # the line of the file where the row starts (JSON: the item's line)
    column: str  # the column (CSV) or field path (JSON); "" for the whole row
    value: str
    reason: str

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }


@dataclass
class ImportResult:
    kind: str
    file: str
    dry_run: bool
    rows: int = 0  # data rows read (CSV) or items (JSON)
    records: int = 0  # records they make (a document with its lines is one)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_file: Path | None = None
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # read, check, write: seconds
    _writer: object = field(default=None, repr=False)
    _handle: object = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def add_error(self, line: int, column: str, value, reason: str) -> None:
        error = RowError(line, column, "" if value is None else str(value)[:200], reason)
        self.error_count += 1
        if len(self.errors) < KEPT_ERRORS:
            self.errors.append(error)
        if self._writer is not None:
            # Values come from the imported file: never a formula in Excel.
            self._writer.writerow(
                [
                    neutralise(self.file),
                    error.line,
                    neutralise(error.column),
                    neutralise(error.value),
                    neutralise(error.reason),
                ]
            )

    def open_errors_file(self, path: Path) -> None:
        """Write every error also to a CSV file (UTF-8 with BOM, ``;``: opens in Excel)."""
        self.errors_file = Path(path)
        # Closed by ``close()``: the file stays open while the rows are read.
        self._handle = open(self.errors_file, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
        self._writer = csv.writer(self._handle, delimiter=";")
        self._writer.writerow([_("file"), _("line"), _("column"), _("value"), _("reason")])

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = self._writer = None

    def summary(self) -> str:
        counts = {
            "file": self.file,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.error_count,
        }
        if not self.ok:
            return _("%(file)s: %(errors)s errors in %(rows)s rows; nothing was imported.") % counts
        if self.dry_run:
            return (
                _(
                    "%(file)s: %(rows)s rows checked (dry run): %(created)s would be created, "
                    "%(updated)s updated, %(unchanged)s unchanged."
                )
                % counts
            )
        return (
            _(
                "%(file)s: %(rows)s rows imported: %(created)s created, %(updated)s updated, "
                "%(unchanged)s unchanged."
            )
            % counts
        )

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "file": self.file,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "records": self.records,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "error_count": self.error_count,
            "errors": [error.as_dict() for error in self.errors],
            "seconds": round(self.seconds, 3),
            "phases": self.phases,
        }
