"""``merkur serve``: Merkur behind gunicorn, a production WSGI server.

Static files come from WhiteNoise, which finds them through Django's finders
(``WHITENOISE_USE_FINDERS``), so no ``collectstatic`` step is needed and they
work with ``DEBUG`` off.

``--with-worker`` starts one ``merkur worker`` process beside the server and stops
it with the server, so that a first try (``make run``) runs imports and exports
without a second terminal. In production run the worker as its own service.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from gunicorn.app.base import BaseApplication

_HOST_PORT = re.compile(r"^(?P<host>\[[0-9a-fA-F:.]+\]|[^:\[\]]*):(?P<port>\d{1,5})$")


class MerkurServer(BaseApplication):
    """gunicorn configured from our options instead of its command line."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # settings newer than the installed gunicorn are skipped
                self.cfg.set(key, value)

    def load(self):
        from merkur.wsgi import application

        return application


def check_bind(bind: str) -> str:
    """``host:port`` or ``unix:/path``; raise ``CommandError`` with the reason otherwise."""
    if bind.startswith("unix:") and len(bind) > len("unix:"):
        return bind
    match = _HOST_PORT.match(bind)
    if not match or not 0 < int(match["port"]) < 65536:
        raise CommandError(
            _("--bind must look like 127.0.0.1:8000 or unix:/path/to/socket, not %(bind)r")
            % {"bind": bind}
        )
    return bind


def server_options(*, bind: str, workers: int, threads: int, timeout: int) -> dict:
    if workers < 1 or threads < 1:
        raise CommandError(_("--workers and --threads must be at least 1."))
    if timeout < 1:
        raise CommandError(_("--timeout must be at least 1 second."))
    return {
        "bind": [check_bind(bind)],
        "workers": workers,
        "threads": threads,  # > 1 switches gunicorn to its threaded worker
        "timeout": timeout,
        "accesslog": "-",
        "errorlog": "-",
        "proc_name": "merkur",
        # gunicorn ≥ 24 opens a control socket in $HOME; several servers on one host would clash.
        "control_socket_disable": True,
    }


def url_of(bind: str) -> str:
    if bind.startswith("unix:"):
        return bind
    host, port = bind.rsplit(":", 1)
    if host in ("", "0.0.0.0", "[::]"):
        host = "127.0.0.1"
    return f"http://{host}:{port}/"


class Command(BaseCommand):
    help = "Serve Merkur with gunicorn (a production WSGI server, not runserver)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--bind", default="127.0.0.1:8000", help="host:port (default: %(default)s)"
        )
        parser.add_argument(
            "--workers", type=int, default=2, help="worker processes (default: %(default)s)"
        )
        parser.add_argument(
            "--threads", type=int, default=1, help="threads per worker (default: %(default)s)"
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=60,
            help="seconds before a silent worker is restarted (default: %(default)s)",
        )
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="also run a background job worker (merkur worker) until the server stops",
        )

    def handle(self, *args, bind: str, workers: int, threads: int, timeout: int, **options):
        config = server_options(bind=bind, workers=workers, threads=threads, timeout=timeout)
        # WhiteNoise warns about a missing STATIC_ROOT even though the finders serve the files.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        job_worker = start_job_worker() if options["with_worker"] else None
        server_pid = os.getpid()
        self.stdout.write(
            _("Merkur is running at %(url)s (Ctrl+C stops it).") % {"url": url_of(bind)}
        )
        self.stdout.flush()
        try:
            MerkurServer(config).run()
        finally:
            # gunicorn's forked web workers leave through here too; only the server stops it.
            if job_worker is not None and os.getpid() == server_pid:
                stop_job_worker(job_worker)


def start_job_worker() -> subprocess.Popen:
    """``merkur worker`` as a child process with this process's settings."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE}
    return subprocess.Popen([sys.executable, "-m", "merkur.cli", "worker"], env=env)


def stop_job_worker(process: subprocess.Popen, *, wait: float = 30.0) -> None:
    """SIGTERM (the running job is finished or handed back), then SIGKILL if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(wait)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
