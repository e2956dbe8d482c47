"""``merkur expire_sessions``: end idle sessions and free their seats (for cron)."""

from django.core.management.base import BaseCommand

from merkur.core import sessions


class Command(BaseCommand):
    help = (
        "End every session idle for longer than MERKUR_SESSION_IDLE_MINUTES and "
        "free its seat. Logging in does this too; run it from cron to keep the "
        "sessions page current."
    )

    def handle(self, *args, **options) -> None:
        ended = sessions.sessions_expire_idle()
        self.stdout.write(f"Ended {ended} idle session(s).")
