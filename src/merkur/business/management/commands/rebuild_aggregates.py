"""``merkur rebuild-aggregates``: recompute the revenue aggregate from the order lines."""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from merkur.business import aggregates


class Command(BaseCommand):
    help = (
        "Recompute the monthly revenue aggregate from the order lines (normally kept exact "
        "by every write; use after restoring a backup of the lines or changing rates in SQL)."
    )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        try:
            rows = aggregates.rebuild()
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"Revenue aggregate rebuilt: {rows} rows in {time.monotonic() - started:.1f} s."
        )
