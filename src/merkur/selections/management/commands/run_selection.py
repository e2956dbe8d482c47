"""``merkur run-selection NAME_OR_ID``: write a saved selection's recipients as CSV or JSON Lines.

Rows are streamed from the database in chunks (``iterator``), so a selection of a
million recipients runs in constant memory. CSV is what German Excel opens as is
(UTF-8 with BOM, ``;``); text a spreadsheet would run as a formula is written with a
leading apostrophe. JSON Lines has one object per recipient, with the formatted
address block in ``lines``.

Without ``--user`` the operator may run any saved selection (a name that several
owners use must then be given as an id); with ``--user`` only what that user may see.
"""

import csv
import datetime
import json
from contextlib import ExitStack

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from merkur.core.listexport import neutralise
from merkur.core.roles import Capability, has_capability
from merkur.selections.definition import parse
from merkur.selections.errors import DefinitionError
from merkur.selections.models import SavedSelection
from merkur.selections.recipients import (
    ADDRESS_KINDS,
    COLUMNS,
    DEDUPES,
    PURPOSES,
    SORTS,
    letter_lines,
    recipients,
)
from merkur.selections.services import compile_saved

FORMATS = ("csv", "json")
CHUNK_SIZE = 2000
BLOCK = "address_block"  # the CSV column of the formatted address block


def _one_of(option: str, value: str, allowed) -> str:
    if value not in allowed:
        raise CommandError(f"--{option} must be one of: {', '.join(allowed)} (not {value!r}).")
    return value


class Command(BaseCommand):
    help = (
        "Write the recipients of a saved selection (name or id) as CSV (UTF-8 with BOM, "
        "';') or JSON Lines, to standard output or a file."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("selection", help="Name or id of the saved selection.")
        parser.add_argument("--format", default="csv", help="csv (default) or json (JSON Lines).")
        parser.add_argument("--output", help="File to write; default: standard output.")
        parser.add_argument(
            "--today", help="YYYY-MM-DD: the day relative periods count from; default: today."
        )
        parser.add_argument("--sort", default="postal_code", help=", ".join(SORTS))
        parser.add_argument(
            "--dedupe", default="person", help=f"{', '.join(DEDUPES)} or none (default: person)."
        )
        parser.add_argument(
            "--address", help=f"For companies: {', '.join(ADDRESS_KINDS)}; default: as saved."
        )
        parser.add_argument(
            "--purpose",
            default="marketing",
            help="marketing (default: without people who objected) or non_marketing.",
        )
        parser.add_argument("--user", help="Run as this user: only selections they may see.")

    def handle(self, *args, **options) -> None:
        fmt = _one_of("format", options["format"], FORMATS)
        sort = _one_of("sort", options["sort"], SORTS)
        dedupe = _one_of("dedupe", options["dedupe"], (*DEDUPES, "none"))
        purpose = _one_of("purpose", options["purpose"], PURPOSES)
        today = self._today(options["today"])
        selection = self._selection(options["selection"], options["user"])
        address = options["address"]
        if address is not None:
            _one_of("address", address, ADDRESS_KINDS)
        try:
            definition = parse(selection.definition)
            selected = compile_saved(selection, today=today)
        except DefinitionError as error:
            raise CommandError(f"The selection “{selection.name}” is not valid: {error}") from None
        rows = recipients(
            selected,
            address=address or definition.address,
            sort=sort,
            dedupe=None if dedupe == "none" else dedupe,
            purpose=purpose,
        )
        with ExitStack() as stack:
            if options["output"]:
                try:
                    target = stack.enter_context(
                        open(options["output"], "w", encoding="utf-8", newline="")
                    )
                except OSError as error:
                    raise CommandError(
                        f"Cannot write {options['output']}: {error.strerror}."
                    ) from None
            else:
                target = self.stdout
                target.ending = ""  # the rows end their lines themselves
            written = (self._csv if fmt == "csv" else self._json)(rows, target)
        if options["output"]:
            self.stderr.write(f"{written} recipients written to {options['output']}.")

    @staticmethod
    def _today(value: str | None) -> datetime.date | None:
        if value is None:
            return None
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--today is a date written YYYY-MM-DD (not {value!r}).") from None
        if not 1900 <= day.year <= 2999:
            raise CommandError("--today must lie between 1900 and 2999.")
        return day

    @staticmethod
    def _selection(key: str, username: str | None) -> SavedSelection:
        queryset = SavedSelection.objects.all()
        user = None
        if username is not None:
            user = get_user_model().objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"No active user {username!r}.")
            if not has_capability(user, Capability.VIEW_RECORDS):
                raise CommandError(f"The user {username!r} may not run selections.")
            queryset = SavedSelection.objects.visible_to(user)
        if key.isdigit() and int(key) < 2**63:
            found = queryset.filter(pk=int(key)).first()
            if found is not None:
                return found
        matches = list(queryset.filter(name__iexact=key.strip()).order_by("pk")[:10])
        if user is not None:
            # The user's own selection before a shared one of the same name.
            own = [selection for selection in matches if selection.owner_id == user.pk]
            matches = own or matches
        if not matches:
            raise CommandError(f"No saved selection {key!r}.")
        if len(matches) > 1:
            raise CommandError(
                f"Several saved selections are named {key!r}; give the id or --user."
            )
        return matches[0]

    @staticmethod
    def _csv(rows, target) -> int:
        writer = csv.writer(target, delimiter=";", lineterminator="\r\n")
        target.write("\ufeff")
        writer.writerow([*COLUMNS, BLOCK])
        written = 0
        for row in rows.iterator(chunk_size=CHUNK_SIZE):
            cells = [_cell(row[column]) for column in COLUMNS]
            writer.writerow([*cells, _cell("\n".join(letter_lines(row)))])
            written += 1
        return written

    @staticmethod
    def _json(rows, target) -> int:
        written = 0
        for row in rows.iterator(chunk_size=CHUNK_SIZE):
            line = json.dumps({**row, "lines": letter_lines(row)}, ensure_ascii=False)
            target.write(line + "\n")
            written += 1
        return written


def _cell(value) -> str:
    # Ids stay numbers; text a spreadsheet would run as a formula becomes plain text.
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))
