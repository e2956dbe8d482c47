"""``merkur mailing``: list, create, preview, start, retry and follow mailings.

    merkur mailing list
    merkur mailing create mailing.json --user anna     # the API's body (MailingIn) as JSON
    merkur mailing preview 12 --number 3               # merge fields and e-mail of recipient 3
    merkur mailing start 12 --user anna [--wait]       # enqueue; --wait follows the progress
    merkur mailing retry 12 --user anna [--wait]       # send temporarily failed items again
    merkur mailing status 12                           # counts per channel and state, reasons

The job runs in a worker (``merkur worker`` or ``merkur serve --with-worker``). Bad input
ends with a one-line reason and exit status 2.
"""

import json
import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from merkur.core.roles import Capability, has_capability
from merkur.core.templating import TemplateProblem
from merkur.mailings import services
from merkur.mailings.api.mailings import counts_of, resolve
from merkur.mailings.models import Mailing

POLL_SECONDS = 1.0


def _problem(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


class Command(BaseCommand):
    help = "List, create, preview, start, retry and follow mailings."

    def add_arguments(self, parser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser("list", help="The latest mailings.")
        create = commands.add_parser("create", help="A draft from a JSON file (- for stdin).")
        create.add_argument("file")
        create.add_argument("--user", required=True, help="Who creates it (username).")
        preview = commands.add_parser("preview", help="One recipient's fields and e-mail.")
        preview.add_argument("mailing", type=int)
        preview.add_argument("--number", type=int, default=1, help="Recipient position (1-…).")
        start = commands.add_parser("start", help="Start a draft in the background.")
        start.add_argument("mailing", type=int)
        start.add_argument("--user", required=True, help="Who starts it (username).")
        start.add_argument("--wait", action="store_true", help="Follow the progress.")
        retry = commands.add_parser(
            "retry", help="Send the temporarily failed e-mails/faxes again."
        )
        retry.add_argument("mailing", type=int)
        retry.add_argument("--user", required=True, help="Who retries it (username).")
        retry.add_argument("--wait", action="store_true", help="Follow the progress.")
        status = commands.add_parser("status", help="Status and counts of a mailing.")
        status.add_argument("mailing", type=int)

    def handle(self, *args, **options) -> None:
        try:
            getattr(self, "_" + options["action"])(options)
        except ValidationError as error:
            raise CommandError(_problem(error), returncode=2) from None
        except TemplateProblem as problem:
            raise CommandError(str(problem), returncode=2) from None

    def _user(self, username: str):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user “{username}”.", returncode=2)
        if not has_capability(user, Capability.MANAGE_EVENTS):
            raise CommandError(f"“{username}” may not manage mailings.", returncode=2)
        return user

    def _mailing(self, pk: int) -> Mailing:
        mailing = Mailing.objects.select_related("job", "created_by").filter(pk=pk).first()
        if mailing is None:
            raise CommandError(f"No mailing {pk}.", returncode=2)
        return mailing

    def _list(self, options) -> None:
        for mailing in Mailing.objects.order_by("-created_at", "-id")[:50]:
            self.stdout.write(
                f"{mailing.pk}\t{mailing.status}\t{','.join(mailing.channels)}\t{mailing.name}"
            )

    def _create(self, options) -> None:
        from merkur.mailings.api.mailings import MailingIn

        user = self._user(options["user"])
        try:
            if options["file"] == "-":
                raw = json.load(sys.stdin)
            else:
                raw = json.loads(Path(options["file"]).read_text(encoding="utf-8"))
            payload = MailingIn.model_validate(raw)
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read the mailing: {error}", returncode=2) from None
        mailing = services.mailing_create(data=resolve(payload.model_dump(), user), by=user)
        self.stdout.write(str(mailing.pk))

    def _preview(self, options) -> None:
        mailing = self._mailing(options["mailing"])
        preview = services.preview_fields(mailing, options["number"])
        if preview is None:
            raise CommandError("There is no recipient with this number.", returncode=2)
        result = {"number": preview.number, "fields": preview.fields}
        if "email" in mailing.channels:
            email = services.preview_email(mailing, preview)
            result["email"] = {"subject": email.subject, "text": email.text, "html": email.html}
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))

    def _start(self, options) -> None:
        user = self._user(options["user"])
        mailing = self._mailing(options["mailing"])
        job = services.mailing_start(mailing=mailing, by=user)
        self.stdout.write(f"job {job.pk}")
        if options["wait"]:
            self._follow(job.pk)
            self._status({"mailing": mailing.pk})

    def _retry(self, options) -> None:
        user = self._user(options["user"])
        mailing = self._mailing(options["mailing"])
        job, count = services.retry_failed(mailing=mailing, by=user)
        self.stdout.write(f"job {job.pk}: {count} items")
        if options["wait"]:
            self._follow(job.pk)
            self._status({"mailing": mailing.pk})

    def _follow(self, job_id: int) -> None:
        from merkur.jobs.models import Job

        shown = None
        while True:
            job = Job.objects.get(pk=job_id)
            line = f"{job.status} {job.progress_done}/{job.progress_total or '?'}"
            if line != shown:
                self.stderr.write(line)
                shown = line
            if job.is_finished:
                if job.error:
                    self.stderr.write(job.error)
                return
            time.sleep(POLL_SECONDS)

    def _status(self, options) -> None:
        mailing = self._mailing(options["mailing"])
        self.stdout.write(f"{mailing.pk}\t{mailing.status}\t{mailing.name}")
        for channel, states in sorted(counts_of(mailing).items()):
            parts = ", ".join(f"{state} {count}" for state, count in sorted(states.items()))
            self.stdout.write(f"{channel}: {parts}")
        reasons = (
            mailing.items.exclude(reason="").order_by().values_list("channel", "reason").distinct()
        )
        for channel, reason in reasons:
            self.stdout.write(f"  {channel}: {reason}")
