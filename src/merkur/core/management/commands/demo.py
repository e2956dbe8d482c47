"""``merkur demo``: load the demo data once and print the demo logins."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from merkur.companies import demo


class Command(BaseCommand):
    help = (
        "Load demo data (master tables, companies, people, addresses) once, create the demo "
        "users and print their logins. Does nothing but print the logins when companies exist."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--companies",
            type=int,
            default=demo.DEFAULT_COMPANIES,
            help="number of demo companies (default: %(default)s)",
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help="random seed (default: %(default)s)"
        )

    def handle(self, *args, companies: int, seed: int, **options) -> None:
        if companies < 1:
            raise CommandError(_("--companies must be at least 1."))
        with translation.override(settings.LANGUAGE_CODE):
            self._run(companies, seed)

    def _run(self, companies: int, seed: int) -> None:
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            self.stderr.write(_("%(done)d of %(total)d demo companies …") % locals())

        result = demo.load_demo(companies=companies, seed=seed, progress=progress)
        if result.loaded:
            self.stdout.write(
                _("Loaded demo data: %(companies)d companies, %(people)d people (%(seconds).1f s).")
                % {
                    "companies": result.companies,
                    "people": result.people,
                    "seconds": time.monotonic() - started,
                }
            )
        else:
            self.stdout.write(
                _("Data present (%(companies)d companies): no demo data loaded.")
                % {"companies": result.companies}
            )
        for username, role in demo.ensure_demo_users():
            self.stdout.write(
                self.style.SUCCESS(
                    _("Demo login: %(username)s / %(password)s (%(role)s)")
                    % {"username": username, "password": demo.DEMO_PASSWORD, "role": role}
                )
            )
