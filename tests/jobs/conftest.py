"""Fixtures for the job tests: the test kinds, other users, and real worker processes.

``worker_processes`` runs ``merkur worker`` as separate processes against the test
database: on PostgreSQL the test database itself (the test must use
``transactional_db`` so the rows are committed); on SQLite, whose test database
lives in this process's memory, a file copy of it that is copied back afterwards.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

import tests.jobs.kinds  # noqa: F401  (registers the test kinds)
from merkur.core.roles import Role
from tests.conftest import _user

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def user_locale():
    return "en"


@pytest.fixture
def other_user(db, user_locale):
    return _user("kollegin", Role.SALES, user_locale)


class WorkerProcesses:
    """Start ``merkur worker`` processes on a database they share with the test."""

    def __init__(self, tmp_path: Path) -> None:
        self.processes: list[subprocess.Popen] = []
        self.sqlite_file: Path | None = None
        if connection.vendor == "sqlite":
            self.sqlite_file = tmp_path / "worker.sqlite3"
            self.url = f"sqlite:///{self.sqlite_file}"
        else:
            config = connection.settings_dict
            password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
            host = config.get("HOST") or "127.0.0.1"
            port = config.get("PORT") or 5432
            self.url = f"postgres://{config['USER']}{password}@{host}:{port}/{config['NAME']}"
        self.log_dir = tmp_path

    def share(self) -> None:
        """Make the test's rows visible to the workers (SQLite: copy the database out)."""
        if self.sqlite_file is not None:
            connection.ensure_connection()
            target = sqlite3.connect(self.sqlite_file)
            connection.connection.backup(target)
            target.close()

    def take_back(self) -> None:
        """Make the workers' writes visible to the test (SQLite: copy the database in)."""
        if self.sqlite_file is not None:
            source = sqlite3.connect(self.sqlite_file)
            source.backup(connection.connection)
            source.close()

    def start(self, *args: str) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "MERKUR_TEST_DATABASE_URL": self.url,
            "MERKUR_DATA_DIR": str(settings.DATA_DIR),
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
        }
        log = (self.log_dir / f"worker-{len(self.processes)}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.jobs.worker_main", *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        process.log_path = Path(log.name)
        self.processes.append(process)
        return process

    def output(self, process: subprocess.Popen) -> str:
        return process.log_path.read_text()

    def wait(self, process: subprocess.Popen, timeout: float = 60) -> int:
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail(f"worker did not finish in {timeout} s:\n{self.output(process)}")

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait()


@pytest.fixture
def worker_processes(transactional_db, tmp_path):
    processes = WorkerProcesses(tmp_path)
    yield processes
    processes.stop_all()


def wait_for(condition, *, timeout: float = 30, step: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(step)
    pytest.fail(f"timed out waiting for {what}")
