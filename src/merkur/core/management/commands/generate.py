"""``merkur generate``: synthetic scale data (companies, contact addresses, people, contacts)."""

import argparse

from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from merkur.companies.generate import generate
from merkur.journal.generate import generate_contacts


def _whole(minimum: int):
    """An argparse type: a whole number ≥ ``minimum``, with a one-line reason otherwise."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                _("%(value)r is not a whole number") % {"value": value}
            ) from None
        if number < minimum:
            raise argparse.ArgumentTypeError(
                _("must be at least %(minimum)d, not %(value)d")
                % {"minimum": minimum, "value": number}
            )
        return number

    return parse


class Command(BaseCommand):
    help = (
        "Generate N synthetic companies with a contact address and about three people each, "
        "for scale tests, and/or N journal contacts over the existing companies (--contacts). "
        "Fast: COPY on PostgreSQL (large loads rebuild the indexes), batched inserts on SQLite. "
        "Seeds the master tables if they are empty. Run it on a database nobody else is using "
        "at the time."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--companies", type=_whole(1), default=None, help="number of companies to add"
        )
        parser.add_argument(
            "--contacts",
            type=_whole(1),
            default=None,
            help="number of journal contacts to add over the companies (after --companies)",
        )
        parser.add_argument(
            "--people-per-company",
            type=_whole(0),
            default=3,
            help="average number of people per company (default: %(default)s)",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed (default: %(default)s)"
        )
        parser.add_argument(
            "--batch",
            type=_whole(1),
            default=10_000,
            help="companies per batch (default: %(default)s)",
        )

    def handle(self, *args, companies: int | None, people_per_company: int, seed: int,
               batch: int, contacts: int | None = None, **options) -> None:  # fmt: skip
        if companies is None and contacts is None:
            raise CommandError(_("Give --companies, --contacts or both."))
        if (
            (companies is not None and companies < 1)
            or (contacts is not None and contacts < 1)
            or batch < 1
            or people_per_company < 0
        ):
            # call_command(companies=0) bypasses the argparse types.
            raise CommandError(
                _(
                    "--companies, --contacts and --batch must be at least 1, "
                    "--people-per-company at least 0."
                )
            )
        if companies is not None:
            self._companies(companies, people_per_company, seed, batch)
        if contacts is not None:
            self._contacts(contacts, seed)

    def _companies(self, companies: int, people_per_company: int, seed: int, batch: int) -> None:
        def progress(done: int, total: int, rows: int, seconds: float) -> None:
            self.stderr.write(
                _("%(done)s / %(total)s companies, %(rows)s rows, %(rate)s companies/s")
                % {
                    "done": _number(done),
                    "total": _number(total),
                    "rows": _number(rows),
                    "rate": _number(done / max(seconds, 1e-9)),
                }
            )

        result = generate(
            companies=companies,
            people_per_company=people_per_company,
            seed=seed,
            batch=batch,
            progress=progress,
        )
        seconds = max(result.seconds, 1e-9)
        self.stdout.write(
            _(
                "Generated %(companies)s companies, %(rows)s rows in %(seconds)s s "
                "(%(company_rate)s companies/s, %(row_rate)s rows/s)."
            )
            % {
                "companies": _number(result.companies),
                "rows": _number(result.total_rows),
                "seconds": number_format(result.seconds, decimal_pos=1),
                "company_rate": _number(result.companies / seconds),
                "row_rate": _number(result.total_rows / seconds),
            }
        )

    def _contacts(self, contacts: int, seed: int) -> None:
        def progress(done: int, total: int, rows: int, seconds: float) -> None:
            self.stderr.write(
                _("%(done)s / %(total)s contacts, %(rows)s rows, %(rate)s contacts/s")
                % {
                    "done": _number(done),
                    "total": _number(total),
                    "rows": _number(rows),
                    "rate": _number(done / max(seconds, 1e-9)),
                }
            )

        try:
            result = generate_contacts(contacts=contacts, seed=seed, progress=progress)
        except ValueError:  # raised before anything is written
            raise CommandError(
                _("There are no companies to record contacts for: add some with --companies.")
            ) from None
        self.stdout.write(
            _(
                "Generated %(contacts)s contacts with %(links)s people in %(seconds)s s "
                "(%(rate)s contacts/s)."
            )
            % {
                "contacts": _number(result.contacts),
                "links": _number(result.people_links),
                "seconds": number_format(result.seconds, decimal_pos=1),
                "rate": _number(result.contacts / max(result.seconds, 1e-9)),
            }
        )


def _number(value: float) -> str:
    """A whole number grouped the way the active language writes it (1.000.000 in German)."""
    return number_format(round(value), force_grouping=True)
