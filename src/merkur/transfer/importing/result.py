"""What an import run reports: counts per action, the bad rows and the matched rows.

Every bad row goes to the bad-rows file (the original fields plus a reason
column); the first ``KEPT`` of each list stay in memory for the screen, the
CLI and the import record.
"""

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from merkur.core.listexport import neutralise
from merkur.transfer.importing.options import ALL_OR_NOTHING
from merkur.transfer.importing.values import Problem

KEPT = 500
ACTIONS = ("create", "add", "update", "skip", "refuse")


@dataclass(frozen=True)
class BadRow:
    line: int
    problems: tuple[Problem, ...]

    def reason(self) -> str:
        return reason_text(self.line, self.problems)

    def as_dict(self) -> dict:
        return {"line": self.line, "problems": [p.as_dict() for p in self.problems]}


def reason_text(line: int, problems) -> str:
    parts = []
    for problem in problems:
        where = problem.column or _("row")
        value = f" „{problem.value}“" if problem.value else ""
        parts.append(f"{where}{value}: {problem.reason}")
    return _("Line %(line)s: %(reasons)s") % {"line": line, "reasons": " | ".join(parts)}


@dataclass
class ImportResult:
    file: str
    dry_run: bool
    mode: str = ALL_OR_NOTHING
    detection: dict = field(default_factory=dict)
    rows: int = 0  # data rows read (blank ones not counted)
    blank_rows: int = 0
    actions: Counter = field(default_factory=Counter)  # rows by action
    companies_created: int = 0
    people_created: int = 0
    companies_updated: int = 0
    people_updated: int = 0
    linked: int = 0
    link_label: str = ""
    # Entries added to the master tables (a dry run: to be added): {"titles": [...], …}
    new_entries: dict[str, list[str]] = field(default_factory=dict)
    bad: list[BadRow] = field(default_factory=list)
    matches: list[dict] = field(default_factory=list)  # line, action, rule, company, …
    failure: str = ""  # the file could not be read to its end, or the run failed
    written: bool = False
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    steps: dict[str, float] = field(default_factory=dict)  # seconds of the parts of phases
    bad_rows_file: Path | None = None

    @property
    def refused(self) -> int:
        return self.actions["refuse"]

    @property
    def ok(self) -> bool:
        """Nothing stands in the way of writing (or nothing stood in its way)."""
        return not self.failure and (self.refused == 0 or self.mode != ALL_OR_NOTHING)

    def add_bad(self, line: int, problems) -> BadRow:
        row = BadRow(line, tuple(problems))
        self.actions["refuse"] += 1
        if len(self.bad) < KEPT:
            self.bad.append(row)
        return row

    def summary(self) -> str:
        counts = {
            "file": self.file,
            "rows": self.rows,
            "create": self.actions["create"],
            "update": self.actions["update"],
            "add": self.actions["add"],
            "skip": self.actions["skip"],
            "refuse": self.refused,
            "linked": self.linked,
        }
        if self.failure:
            return _("%(file)s: not imported. %(reason)s") % {
                "file": self.file,
                "reason": self.failure,
            }
        text = (
            _(
                "%(rows)s rows: %(create)s new companies, %(add)s people added to them, "
                "%(update)s updates, %(skip)s skipped, %(refuse)s refused"
            )
            % counts
        )
        text += self._new_entries_text()
        if self.link_label:
            text += ", " + ngettext(
                "%(linked)s link to %(target)s", "%(linked)s links to %(target)s", self.linked
            ) % {"linked": self.linked, "target": self.link_label}
        if self.dry_run:
            return _("%(file)s (dry run, nothing written): %(counts)s.") % {
                "file": self.file,
                "counts": text,
            }
        if not self.written:
            return _("%(file)s: not imported, because of %(refuse)s bad rows: %(counts)s.") % {
                "file": self.file,
                "refuse": self.refused,
                "counts": text,
            }
        return _("%(file)s imported: %(counts)s.") % {"file": self.file, "counts": text}

    def _new_entries_text(self) -> str:
        titles = len(self.new_entries.get("titles", ()))
        functions = len(self.new_entries.get("functions", ()))
        parts = []
        if titles:
            parts.append(
                ngettext("%(count)s title", "%(count)s titles", titles) % {"count": titles}
            )
        if functions:
            parts.append(
                ngettext("%(count)s function", "%(count)s functions", functions)
                % {"count": functions}
            )
        if not parts:
            return ""
        entries = (
            parts[0]
            if len(parts) == 1
            else _("%(first)s and %(second)s")
            % {
                "first": parts[0],
                "second": parts[1],
            }
        )
        if self.written:
            return ", " + _("%(entries)s added to the master tables") % {"entries": entries}
        return ", " + _("%(entries)s new for the master tables") % {"entries": entries}

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "dry_run": self.dry_run,
            "mode": self.mode,
            "detection": self.detection,
            "rows": self.rows,
            "blank_rows": self.blank_rows,
            "actions": {action: self.actions[action] for action in ACTIONS},
            "companies_created": self.companies_created,
            "people_created": self.people_created,
            "companies_updated": self.companies_updated,
            "people_updated": self.people_updated,
            "linked": self.linked,
            "link_label": self.link_label,
            "new_entries": self.new_entries,
            "bad": [row.as_dict() for row in self.bad],
            "matches": self.matches,
            "failure": self.failure,
            "written": self.written,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "phases": self.phases,
            "steps": self.steps,
            "summary": self.summary(),
        }


class BadRowsFile:
    """The bad rows as the file had them, plus a reason column: fix them and import again.

    UTF-8 with BOM (Excel opens it right), the file's own separator; a header
    row when the file had one. The original fields are written as they were
    (so that they import again unchanged); only the reason, which quotes
    values, is neutralised against spreadsheet formulas.
    """

    def __init__(self, path: Path, *, delimiter: str, header: list[str] | None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(self.path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
        self._writer = csv.writer(self._handle, delimiter=delimiter, lineterminator="\r\n")
        self.width = len(header) if header is not None else None
        self.count = 0
        if header is not None:
            self._writer.writerow([*header, _("Reason")])

    def write(self, fields: list[str], line: int, problems) -> None:
        padded = list(fields)
        if self.width is not None and len(padded) < self.width:
            padded += [""] * (self.width - len(padded))
        self._writer.writerow([*padded, neutralise(reason_text(line, problems))])
        self.count += 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
