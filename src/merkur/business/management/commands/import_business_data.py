"""``merkur import-business-data KIND FILE``: business data from an ERP (CSV or JSON)."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from merkur.business.importer import KINDS, import_file
from merkur.business.importer.source import FORMATS

SHOWN_ERRORS = 50
PHASES = {
    "read": gettext_lazy("read"),
    "check": gettext_lazy("checked"),
    "write": gettext_lazy("written"),
    "done": gettext_lazy("done"),
}


class Command(BaseCommand):
    help = (
        "Import business data from an ERP: one file per kind (CSV with a header row, JSON "
        "Lines or a JSON array). Import in this order: rates, articles, documents, batches, "
        "deliveries, instances. Each file is imported all or nothing: if any row is bad, "
        "every bad row is listed with line, column and reason and nothing is written. "
        "Columns: docs/business-import.md."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=KINDS, help="What the file holds.")
        parser.add_argument("files", nargs="+", help="One or more files of this kind.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and count only; write nothing."
        )
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="Default: from the file name (.jsonl, .json, else CSV).",
        )
        parser.add_argument(
            "--encoding", help="The file's encoding, e.g. cp1252 (default: UTF-8, BOM allowed)."
        )
        parser.add_argument(
            "--delimiter", help="The CSV separator (default: taken from the header line)."
        )
        parser.add_argument(
            "--decimal-comma",
            action="store_true",
            help="Numbers are written 1.234,50 (default: 1234.50).",
        )
        parser.add_argument(
            "--errors", metavar="FILE", help="Write every bad row to this CSV file."
        )

    def handle(self, *args, **options) -> None:
        failed = []
        for number, path in enumerate(options["files"]):
            errors_file = options["errors"]
            if errors_file and len(options["files"]) > 1:
                errors_file = f"{errors_file}.{number + 1}"
            try:
                result = import_file(
                    options["kind"],
                    path,
                    dry_run=options["dry_run"],
                    file_format=options["format"],
                    encoding=options["encoding"],
                    delimiter=options["delimiter"],
                    decimal_comma=options["decimal_comma"],
                    errors_file=errors_file,
                    progress=self._progress(),
                )
            except OSError as error:
                raise CommandError(f"{path}: {error.strerror}") from None
            sys.stderr.write("\n")
            phases = ", ".join(
                f"{PHASES.get(name, name)} {seconds:.1f} s"
                for name, seconds in result.phases.items()
            )
            self.stdout.write(
                result.summary() + f" ({result.seconds:.1f} s{': ' + phases if phases else ''})"
            )
            for error in result.errors[:SHOWN_ERRORS]:
                column = f" [{error.column}]" if error.column else ""
                value = f" „{error.value}“" if error.value else ""
                self.stdout.write(f"  {result.file}:{error.line}{column}{value}: {error.reason}")
            if result.error_count > SHOWN_ERRORS:
                more = result.error_count - SHOWN_ERRORS
                where = f" → {result.errors_file}" if result.errors_file else " (--errors FILE)"
                self.stdout.write(f"  … {more} more{where}")
            if not result.ok:
                failed.append(str(path))
        if failed:
            raise CommandError(f"not imported (bad rows): {', '.join(failed)}")

    def _progress(self):
        started = time.monotonic()

        def show(phase: str, rows: int) -> None:
            seconds = time.monotonic() - started
            rate = rows / seconds if seconds else 0
            line = _("%(phase)s: %(rows)s rows, %(seconds)s s (%(rate)s rows/s)") % {
                "phase": PHASES.get(phase, phase),
                "rows": number_format(rows, force_grouping=True),
                "seconds": number_format(round(seconds)),
                "rate": number_format(round(rate), force_grouping=True),
            }
            sys.stderr.write(f"\r{line}   ")
            sys.stderr.flush()

        return show
