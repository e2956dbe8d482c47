"""``merkur import-addresses FILE``: companies, addresses and people from a CSV file."""

import shutil
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models.functions import Lower
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from merkur.companies.models import CompanyRole
from merkur.transfer.columns import TARGETS_BY_KEY, Mapping, MappingError, Split
from merkur.transfer.importing import ImportOptions, OptionsError, links
from merkur.transfer.importing.options import (
    ACTIONS,
    ALL_OR_NOTHING,
    GOOD_ROWS,
    RULES,
)
from merkur.transfer.importing.prepare import (
    detect,
    header_of,
    mapping_for,
    parse_map_arguments,
    remap,
)
from merkur.transfer.importing.records import record_file, run_recorded
from merkur.transfer.models import ImportProfile
from merkur.transfer.reading import ReadError
from merkur.transfer.sniff import ENCODINGS, InvalidDetection, display_encoding

SHOWN = 30
SEPARATORS = {";": ";", ",": ",", "tab": "\t", "\\t": "\t", "\t": "\t", "|": "|"}


class Command(BaseCommand):
    help = (
        "Import companies with their contact address and people from a CSV file (Outlook, "
        "Google, Apple, address dealers, Excel). Encoding, separator and header are detected "
        "and the columns mapped from their names; every bad row is reported with line, "
        "column and reason. All or nothing by default. See docs/import.md."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="The CSV file.")
        parser.add_argument("--profile", help="Use a saved import profile (its name).")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help="Map a column (header or number from 1) to a field, e.g. "
            "'Firma=company.name'; 'Fax=' leaves a column out. Repeatable.",
        )
        parser.add_argument("--encoding", choices=ENCODINGS, help="Default: detected.")
        parser.add_argument(
            "--separator", choices=sorted(SEPARATORS), help="Default: detected ('tab' for tab)."
        )
        parser.add_argument(
            "--no-header", action="store_true", help="The first row is data, not column names."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and count only; write nothing."
        )
        parser.add_argument(
            "--commit-good-rows",
            action="store_true",
            help="Write the good rows even if some are bad (default: all or nothing).",
        )
        parser.add_argument(
            "--on-duplicate",
            choices=ACTIONS,
            help="What to do with a row that matches an existing record or an earlier row "
            "(default: skip).",
        )
        parser.add_argument(
            "--decide",
            action="append",
            default=[],
            metavar="RULE=ACTION",
            help=f"Per rule ({', '.join(RULES)}), e.g. 'number=update'. Repeatable.",
        )
        parser.add_argument(
            "--role",
            action="append",
            choices=CompanyRole.values,
            help="Role(s) of new companies (default: prospect).",
        )
        parser.add_argument("--country", help="Country of rows without one (ISO code).")
        parser.add_argument(
            "--similarity",
            type=int,
            help="How alike names must be to count as duplicates, 50–100 (default: 88).",
        )
        parser.add_argument(
            "--link-order", metavar="NUMBER", help="Link the records to this sales order."
        )
        parser.add_argument(
            "--link-event",
            metavar="ID_OR_NAME",
            help="Make the records members of this marketing event.",
        )
        parser.add_argument(
            "--link-status",
            metavar="STATUS",
            help="The members' status with --link-event (default: planned), e.g. invited.",
        )
        parser.add_argument(
            "--add-to-master-tables",
            action="store_true",
            help="Add unknown functions and titles to their master tables instead of "
            "refusing the rows (salutations are never added).",
        )
        parser.add_argument("--errors", metavar="FILE", help="Write the bad rows to this file.")
        parser.add_argument("--show-mapping", action="store_true", help="Print the column mapping.")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("%(file)s: no such file.") % {"file": path})
        profile = self._profile(options["profile"])
        import_options = self._options(path, profile, options)
        self.stdout.write(self._describe(import_options))
        if options["show_mapping"]:
            self.stdout.write(self._describe_mapping(import_options.mapping))
        record = record_file(path)
        record.profile = profile
        result = run_recorded(
            record,
            import_options,
            dry_run=options["dry_run"],
            user=None,
            progress=self._progress(),
        )
        self.stderr.write("")
        self.stdout.write(result.summary() + f" ({result.seconds:.1f} s)")
        self._new_entries(result)
        for row in result.bad[:SHOWN]:
            self.stdout.write("  " + row.reason())
        if result.refused > SHOWN:
            self.stdout.write(
                "  " + _("… %(more)s more bad rows") % {"more": result.refused - SHOWN}
            )
        if options["errors"] and record.bad_rows_path is not None:
            shutil.copyfile(record.bad_rows_path, options["errors"])
            self.stdout.write(_("Bad rows: %(file)s") % {"file": options["errors"]})
        if result.failure:
            raise CommandError(result.failure)
        if not result.dry_run and not result.written:
            raise CommandError(
                _("not imported: %(count)s bad rows (all or nothing; see --commit-good-rows)")
                % {"count": result.refused}
            )

    def _new_entries(self, result) -> None:
        if result.written:
            labels = (
                _("Titles added to the master table"),
                _("Functions added to the master table"),
            )
        else:
            labels = (_("New titles for the master table"), _("New functions for the master table"))
        for label, key in zip(labels, ("titles", "functions"), strict=True):
            names = result.new_entries.get(key)
            if names:
                self.stdout.write(f"  {label}: {', '.join(names)}")

    # --- options -------------------------------------------------------------------------------

    def _profile(self, name: str | None) -> ImportProfile | None:
        if not name:
            return None
        found = list(
            ImportProfile.objects.annotate(lower=Lower("name")).filter(lower=name.lower())[:2]
        )
        if not found:
            raise CommandError(_("There is no import profile named “%(name)s”.") % {"name": name})
        if len(found) > 1:
            raise CommandError(
                _("Several users have a profile named “%(name)s”; rename one.") % {"name": name}
            )
        return found[0]

    def _options(self, path: Path, profile, options) -> ImportOptions:
        reading = profile.reading_options() if profile else {}
        overrides = {
            "encoding": options["encoding"] or reading.get("encoding"),
            "delimiter": SEPARATORS[options["separator"]]
            if options["separator"]
            else reading.get("delimiter"),
            "has_header": False if options["no_header"] else reading.get("has_header"),
        }
        try:
            detection = detect(path, **overrides)
            header = header_of(path, detection)
            if profile is not None:
                mapping = Mapping.from_dict(profile.mapping)
                if header is not None:
                    mapping = mapping.rebind(header)
                if options["map"]:
                    mapping = remap(mapping, parse_map_arguments(options["map"], header), header)
            else:
                mapping = mapping_for(header, parse_map_arguments(options["map"], header))
            data = {
                "detection": detection.to_dict(),
                "mapping": mapping.to_dict(),
                "mode": GOOD_ROWS if options["commit_good_rows"] else ALL_OR_NOTHING,
                "decisions": self._decisions(options),
                "roles": options["role"] or [CompanyRole.PROSPECT],
                "country": (options["country"] or "").upper(),
                "similarity": options["similarity"] or 88,
                "link": self._link(options),
                "add_to_master_tables": options["add_to_master_tables"],
            }
            if profile is not None:
                data["number_format"] = reading["number_format"]
                data["date_format"] = reading["date_format"]
            return ImportOptions.from_dict(data)
        except (ReadError, InvalidDetection, MappingError, OptionsError) as error:
            raise CommandError(f"{path}: {error}") from None

    def _link(self, options) -> dict | None:
        if options["link_order"] and options["link_event"]:
            raise CommandError(_("Link to one record: --link-order or --link-event."))
        if options["link_status"] and not options["link_event"]:
            raise CommandError(_("--link-status goes with --link-event."))
        if options["link_order"]:
            link = {"kind": "sales_order", "reference": options["link_order"]}
        elif options["link_event"]:
            link = {
                "kind": "event",
                "reference": options["link_event"],
                "status": options["link_status"] or "",
            }
        else:
            return None
        problems = links.errors(link)
        if problems:
            raise CommandError(" ".join(m for messages in problems.values() for m in messages))
        return link

    def _decisions(self, options) -> dict[str, str]:
        decisions = dict.fromkeys(RULES, options["on_duplicate"]) if options["on_duplicate"] else {}
        for argument in options["decide"]:
            rule, _sep, action = argument.partition("=")
            if rule not in RULES or action not in ACTIONS:
                raise CommandError(
                    _(
                        "“%(argument)s”: write RULE=ACTION with a rule of %(rules)s and an "
                        "action of %(actions)s."
                    )
                    % {
                        "argument": argument,
                        "rules": ", ".join(RULES),
                        "actions": ", ".join(ACTIONS),
                    }
                )
            decisions[rule] = action
        return decisions

    # --- output --------------------------------------------------------------------------------

    def _describe(self, options: ImportOptions) -> str:
        detection = options.detection
        separator = {"\t": "Tab"}.get(detection.delimiter, detection.delimiter)
        header = _("header row") if detection.has_header else _("no header row")
        text = _("Encoding %(encoding)s, separator %(separator)s, %(header)s.") % {
            "encoding": display_encoding(detection.encoding),
            "separator": separator,
            "header": header,
        }
        if options.link:
            text += " " + _("Link to: %(kind)s %(reference)s.") % {
                "kind": links.TARGETS[options.link.kind].label,
                "reference": options.link.reference,
            }
        return text

    def _describe_mapping(self, mapping: Mapping) -> str:
        lines = []
        for rule in mapping.rules:
            if isinstance(rule, Split):
                sources = _column_name(mapping, rule.source)
                target = rule.splitter
            else:
                sources = " + ".join(_column_name(mapping, index) for index in rule.sources)
                target = rule.target
                label = TARGETS_BY_KEY[target].label
                target = f"{target} ({_(label)})"
            lines.append(f"  {sources} → {target}")
        return "\n".join(lines)

    def _progress(self):
        started = time.monotonic()

        def show(done: int, total: int, message: str) -> None:
            seconds = time.monotonic() - started
            percent = round(100 * done / total) if total else 0
            line = f"\r{message} {percent} % ({number_format(round(seconds))} s)".ljust(60)
            self.stderr.write(line, ending="")
            self.stderr.flush()

        return show


def _column_name(mapping: Mapping, index: int) -> str:
    if index < len(mapping.headers):
        return f"“{mapping.headers[index]}”"
    return _("column %(number)s") % {"number": index + 1}
