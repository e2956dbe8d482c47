"""``merkur worker``: run background jobs (imports, exports, mailings) from the database.

Run one or more next to ``merkur serve``; each runs one job at a time. A worker
killed mid-job leaves a stale heartbeat; another worker queues the job again after
``--stale-after`` seconds. SIGTERM/SIGINT stops after the current job (or hands it
back at its next safe point); a second signal stops at once.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from merkur.jobs import services
from merkur.jobs.progress import HEARTBEAT_INTERVAL
from merkur.jobs.worker import Worker


class Command(BaseCommand):
    help = (
        "Run background jobs (imports, exports, mailings) one at a time, polling the "
        "database for queued jobs. Stop with SIGTERM or Ctrl+C."
    )

    def add_arguments(self, parser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--once", action="store_true", help="Run at most one job, then exit.")
        mode.add_argument(
            "--burst", action="store_true", help="Run jobs until none is queued, then exit."
        )
        parser.add_argument(
            "--poll",
            type=float,
            default=1.0,
            help="Seconds between two looks for new jobs (default: %(default)s).",
        )
        parser.add_argument(
            "--heartbeat",
            type=float,
            default=HEARTBEAT_INTERVAL,
            help="Seconds between two signs of life of a running job (default: %(default)s).",
        )
        parser.add_argument(
            "--stale-after",
            type=float,
            default=services.STALE_AFTER.total_seconds(),
            help="Seconds without a heartbeat after which a running job counts as "
            "abandoned and is queued again (default: %(default)s); at least twice --heartbeat.",
        )
        parser.add_argument(
            "--purge-days",
            type=int,
            default=services.PURGE_AFTER_DAYS,
            help="Delete finished jobs and their files after this many days; 0 keeps "
            "them (default: %(default)s).",
        )
        parser.add_argument(
            "--purge-only",
            action="store_true",
            help="Only delete old finished jobs (see --purge-days), then exit (for cron).",
        )

    def handle(self, *args, **options) -> None:
        poll, heartbeat = options["poll"], options["heartbeat"]
        stale_after, purge_days = options["stale_after"], options["purge_days"]
        if not 0.05 <= poll <= 3600:
            raise CommandError("--poll must be between 0.05 and 3600 seconds.")
        if not 0.1 <= heartbeat <= 600:
            raise CommandError("--heartbeat must be between 0.1 and 600 seconds.")
        if stale_after < 2 * heartbeat:
            raise CommandError("--stale-after must be at least twice --heartbeat.")
        if purge_days < 0:
            raise CommandError("--purge-days must be 0 (keep) or more.")
        purge_after = timedelta(days=purge_days) if purge_days else None
        if options["purge_only"]:
            if purge_after is None:
                raise CommandError("--purge-only needs --purge-days of at least 1.")
            count = services.purge_finished(older_than=purge_after)
            self.stdout.write(f"Deleted {count} finished job(s) older than {purge_days} days.")
            return
        worker = Worker(
            poll=poll,
            heartbeat=heartbeat,
            stale_after=timedelta(seconds=stale_after),
            purge_after=purge_after,
            log=self._log,
        )
        restore_signals = worker.install_signal_handlers()
        self._log(f"worker {worker.worker_id} started")
        try:
            count = worker.run(once=options["once"], burst=options["burst"])
        finally:
            restore_signals()
        self._log(f"worker {worker.worker_id} stopped after {count} job(s)")

    def _log(self, line: str) -> None:
        self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M:%S} {line}")
        self.stdout.flush()
