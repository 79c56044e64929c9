"""Real processes for tests: start them against the test database, wait for them, stop them."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.db import connection

T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parent.parent


def wait_for(predicate: Callable[[], T], *, timeout: float, interval: float = 0.2) -> T:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout:g}s")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def shared_database_url() -> str:
    """A DATABASE_URL for the test database, which this process has already created."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = str(db["NAME"])
        if "mode=memory" in name or name == ":memory:":
            raise RuntimeError("subprocesses need a file-based SQLite test database")
        return f"sqlite:///{name}"
    if "postgresql" in db["ENGINE"]:
        from urllib.parse import quote

        auth = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = db["HOST"] or "localhost"
        port = f":{db['PORT']}" if db["PORT"] else ""
        return f"postgres://{auth}@{host}{port}/{db['NAME']}"
    raise RuntimeError(f"no DATABASE_URL for engine {db['ENGINE']}")


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a process that must share the test database, cache and media."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="commonground.config.settings.test",
        DATABASE_URL=shared_database_url(),
        COMMONGROUND_TEST_DIR=str(Path(settings.MEDIA_ROOT).parent),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Process:
    """A child process in its own session, with its output kept in a log file."""

    def __init__(self, name: str, args: list[str], *, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(
            args,
            env=env,
            cwd=REPO_ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log_tail(self, chars: int = 4000) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def assert_running(self) -> None:
        code = self.popen.poll()
        assert code is None, f"{self.name} exited with {code}:\n{self.log_tail()}"

    def stop(self) -> None:
        if self.popen.poll() is None:
            # The whole group: granian's worker processes are children of the one we started.
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        self._log.close()


def commonground(*args: str) -> list[str]:
    return [sys.executable, "-m", "commonground.cli", *args]
