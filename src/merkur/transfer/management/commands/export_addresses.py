"""``merkur export-addresses``: export a list, a saved selection or a frozen run to a file.

    merkur export-addresses --source companies --filter country=DE --filter industry=3 \\
        --format csv --columns company.name,address.city --encoding windows-1252 \\
        --output firmen.csv
    merkur export-addresses --source selection:"Messe 2026" --format vcard4 --output -
    merkur export-addresses --source run:42 --profile Lettershop --output lettershop.txt

Without ``--user`` the operator may export everything (as ``merkur run-selection``);
with ``--user`` only what that user may see, and their profiles. Progress goes to
standard error; bad input ends with a one-line reason and exit status 2, a refused
export (characters the encoding cannot hold, a failing template) with status 1.
"""

import shutil
import sys
import tempfile
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from merkur.core.roles import Capability, has_capability
from merkur.core.templating import TemplateProblem
from merkur.transfer.export import options as export_options
from merkur.transfer.export import profiles, runner, sources
from merkur.transfer.export.encoding import EncodingRefused
from merkur.transfer.models import ExportProfile

OPTION_FLAGS = (
    "format", "encoding", "separator", "header", "quoting", "line_ending", "on_unencodable",
    "value_format", "structure", "as_of", "year", "address", "sort",
)  # fmt: skip


def _problem(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name.replace('_', '-')}: {' '.join(messages)}"
            for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


class Command(BaseCommand):
    help = (
        "Export addresses (a company or people list, a saved selection or a frozen run) as "
        "CSV, XLSX, JSON, JSON Lines, vCard 3.0/4.0 or an own template."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--source",
            required=True,
            help="companies, people, selection:NAME_OR_ID or run:ID.",
        )
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="A list filter as the list page takes it (country=DE, industry=3, "
            "postal_code=66 …); repeat for more.",
        )
        parser.add_argument("--format", help=", ".join(export_options.FORMATS))
        parser.add_argument("--profile", help="An export profile (name or id).")
        parser.add_argument("--columns", help="Column keys, comma-separated, in order.")
        parser.add_argument("--encoding", help=", ".join(export_options.ENCODINGS))
        parser.add_argument("--on-unencodable", dest="on_unencodable", help="refuse or replace.")
        parser.add_argument("--separator", help="; , tab |  (CSV).")
        parser.add_argument("--header", help="de, en, keys or none.")
        parser.add_argument("--quoting", help="minimal or all (CSV).")
        parser.add_argument("--line-ending", dest="line_ending", help="crlf or lf.")
        parser.add_argument("--value-format", dest="value_format", help="locale or iso (CSV).")
        parser.add_argument("--structure", help="flat or nested (JSON).")
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD: attributes as of.")
        parser.add_argument("--year", help="The year of revenue and ABC class.")
        parser.add_argument("--address", help="contact, billing or delivery (companies).")
        parser.add_argument("--sort", help="A sort order of the source.")
        parser.add_argument(
            "--no-formula-protection",
            action="store_true",
            help="Write text starting with = + - @ as it is (CSV for other programs).",
        )
        parser.add_argument("--template", help="File with the template per record.")
        parser.add_argument("--template-header", dest="template_header", help="Header file.")
        parser.add_argument("--template-footer", dest="template_footer", help="Footer file.")
        parser.add_argument("--user", help="Export as this user: only what they may see.")
        parser.add_argument("--output", default="-", help="File to write; - for standard output.")

    def handle(self, *args, **options) -> None:
        user = self._user(options["user"])
        source, params = self._source(options["source"], options["filter"])
        export_data = self._options(options, user)
        try:
            export = runner.prepare(source=source, params=params, options=export_data, user=user)
        except ValidationError as error:
            raise CommandError(_problem(error), returncode=2) from None
        except PermissionDenied:
            raise CommandError("This user may not export addresses.", returncode=2) from None
        self._write(export, options["output"])

    # --- reading the arguments -----------------------------------------------------------------

    @staticmethod
    def _user(username: str | None):
        if username is None:
            return sources.OPERATOR
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.", returncode=2)
        if not has_capability(user, Capability.VIEW_RECORDS):
            raise CommandError(f"The user {username!r} may not export addresses.", returncode=2)
        return user

    @staticmethod
    def _source(value: str, filters: list[str]) -> tuple[str, dict]:
        kind, _colon, key = value.partition(":")
        if kind not in sources.keys():  # noqa: SIM118 (a function, not a dict)
            raise CommandError(
                f"--source is one of {', '.join(sources.keys())} (not {value!r}).", returncode=2
            )
        if kind in ("companies", "people"):
            if key:
                raise CommandError(f"--source {kind} takes no name or id.", returncode=2)
            params: dict[str, list[str]] = {}
            for item in filters:
                name, equals, filter_value = item.partition("=")
                if not equals or not name.strip():
                    raise CommandError(f"--filter needs KEY=VALUE (not {item!r}).", returncode=2)
                params.setdefault(name.strip(), []).append(filter_value)
            return kind, params
        if filters:
            raise CommandError("--filter is for the companies and people lists.", returncode=2)
        if not key:
            raise CommandError(f"--source {kind} needs a name or id: {kind}:…", returncode=2)
        return kind, {kind: key}

    def _options(self, options: dict, user) -> dict:
        data: dict = {}
        if options["profile"]:
            profile = self._profile(options["profile"], user)
            data.update(profile.options or {})
            data.setdefault("format", profile.format)
        for name in OPTION_FLAGS:
            if options.get(name) is not None:
                data[name] = options[name]
        if options["columns"] is not None:
            data["columns"] = [key.strip() for key in options["columns"].split(",") if key.strip()]
        if options["no_formula_protection"]:
            data["formula_protection"] = False
        for flag, name in (
            ("template", "template_row"),
            ("template_header", "template_header"),
            ("template_footer", "template_footer"),
        ):
            if options[flag]:
                data[name] = self._read(options[flag], flag)
        if options["template"] and "format" not in data:
            data["format"] = "template"
        try:
            return export_options.parse(data).to_dict()
        except ValidationError as error:
            raise CommandError(_problem(error), returncode=2) from None

    @staticmethod
    def _profile(key: str, user) -> ExportProfile:
        if user is sources.OPERATOR:
            text = key.strip()
            found = None
            if text.isdigit() and len(text) <= 18:
                found = ExportProfile.objects.filter(pk=int(text)).first()
            if found is None:
                matches = list(ExportProfile.objects.filter(name__iexact=text)[:2])
                if len(matches) > 1:
                    raise CommandError(
                        f"Several profiles are named {key!r}; give the id or --user.", returncode=2
                    )
                found = matches[0] if matches else None
        else:
            found = profiles.find(user, key)
        if found is None:
            raise CommandError(f"No export profile {key!r}.", returncode=2)
        return found

    @staticmethod
    def _read(path: str, flag: str) -> str:
        try:
            return Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or "not UTF-8 text"
            raise CommandError(f"--{flag.replace('_', '-')}: cannot read {path}: {reason}.",
                               returncode=2) from None  # fmt: skip

    # --- writing -------------------------------------------------------------------------------

    @staticmethod
    def _to_stdout(export: runner.Export, progress) -> dict:
        """Stream where nothing can go wrong half-way; else write a file first, so a refused
        export writes nothing."""
        target = sys.stdout.buffer
        refusable = export.options.on_unencodable == "refuse" and export.options.codec != "utf-8"
        if export.writer.streams and not refusable and export.options.format != "template":
            for piece in export.stream():
                target.write(piece)
                if export.done and export.done % runner.PROGRESS_EVERY == 0:
                    progress(export.done)
        else:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "export"
                export.save(path, progress=progress)
                with path.open("rb") as source:
                    shutil.copyfileobj(source, target)
        target.flush()
        return export.summary()

    def _write(self, export: runner.Export, output: str) -> None:
        started = time.monotonic()
        total = export.count()

        def progress(done: int) -> None:
            seconds = max(time.monotonic() - started, 0.001)
            self.stderr.write(
                f"\r{done:,} / {total:,} records ({done / seconds:,.0f}/s)", ending=""
            )
            self.stderr.flush()

        try:
            if output == "-":
                summary = self._to_stdout(export, progress)
            else:
                path = Path(output)
                if not path.parent.is_dir():
                    raise CommandError(f"Cannot write {output}: no such folder.", returncode=2)
                summary = export.save(path, progress=progress)
        except (EncodingRefused, TemplateProblem) as error:
            self.stderr.write("")
            raise CommandError(runner.problem_message(error), returncode=1) from None
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.", returncode=2) from None
        self.stderr.write("")
        self.stderr.write(
            f"{summary['rows']:,} records written"
            + (f" to {output}" if output != "-" else "")
            + f" in {time.monotonic() - started:.1f} s."
        )
        if summary.get("unencodable"):
            self.stderr.write(export.writer.encoder.report.message())
        if summary.get("cut"):
            self.stderr.write(f"{summary['cut']['count']:,} values were cut to their width.")
