"""``merkur serve`` (gunicorn) and the argument checks of Merkur's own commands."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from merkur.core.management.commands.serve import MerkurServer, server_options, url_of

OPTIONS = {"bind": "127.0.0.1:8123", "workers": 3, "threads": 4, "timeout": 30}


def test_serve_passes_its_options_to_gunicorn():
    server = MerkurServer(server_options(**OPTIONS))
    assert server.cfg.bind == ["127.0.0.1:8123"]
    assert server.cfg.workers == 3
    assert server.cfg.threads == 4
    assert server.cfg.timeout == 30


def test_serve_runs_merkurs_wsgi_application(settings):
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # or WhiteNoise warns
    from merkur.wsgi import application

    assert MerkurServer(server_options(**OPTIONS)).load() is application


@pytest.mark.parametrize(
    ("bind", "url"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000/"),
        ("0.0.0.0:80", "http://127.0.0.1:80/"),
        ("[::1]:8080", "http://[::1]:8080/"),
        ("unix:/run/merkur.sock", "unix:/run/merkur.sock"),
    ],
)
def test_serve_accepts_host_port_and_unix_sockets(bind, url):
    assert server_options(**{**OPTIONS, "bind": bind})["bind"] == [bind]
    assert url_of(bind) == url


@pytest.mark.parametrize(
    "args",
    [
        ["--bind", "localhost"],
        ["--bind", "127.0.0.1:99999"],
        ["--bind", "unix:"],
        ["--workers", "0"],
        ["--threads", "0"],
        ["--timeout", "0"],
        ["--workers", "two"],
    ],
)
def test_serve_refuses_bad_options_before_starting(args):
    with pytest.raises(CommandError):
        call_command("serve", *args, stdout=StringIO())


@pytest.mark.parametrize("args", [["--companies", "0"], ["--companies", "x"], ["--seed", "y"]])
def test_demo_refuses_bad_options(db, args):
    with pytest.raises(CommandError):
        call_command("demo", *args, stdout=StringIO(), stderr=StringIO())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_answers_static_files_with_debug_off(tmp_path):
    """A real gunicorn: static files come from WhiteNoise without collectstatic."""
    port = _free_port()
    merkur = Path(sys.executable).with_name("merkur")
    env = {
        **os.environ,
        "MERKUR_DATA_DIR": str(tmp_path),
        "MERKUR_DEBUG": "false",
        "MERKUR_SECRET_KEY": "test-only",
        "DJANGO_SETTINGS_MODULE": "merkur.settings",
    }
    server = subprocess.Popen(
        [str(merkur), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}/static/merkur/merkur.css"
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    assert response.status == 200
                    assert b"{" in response.read()
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0].decode()
    assert f"http://127.0.0.1:{port}/" in output
