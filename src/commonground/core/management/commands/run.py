"""Run the web server (several worker processes), the task worker, the scheduler and the
analytics mover together."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from commonground.core.http import origins
from commonground.core.http.web_server import granian_command


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class Command(BaseCommand):
    help = (
        "Run granian (WSGI, several worker processes), the task worker, the scheduler and the "
        "analytics mover in the foreground. Ctrl-C stops all of them; if one exits, the others "
        "are stopped too."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_WORKERS", str(max(2, os.cpu_count() or 2)))),
            help="Web server worker processes (default: number of CPUs, at least 2).",
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="Do not start the task worker."
        )
        parser.add_argument(
            "--no-scheduler", action="store_true", help="Do not start the scheduler."
        )

    def _announce(self, url: str) -> None:
        self.stdout.write(self.style.SUCCESS(f"\nCommon Ground is ready at {url}"))
        self.stdout.write(f"  Site:  {url}")
        # On its own origin where ADMIN_BASE_URL gives one (core/http/origins.py).
        self.stdout.write(f"  Admin: {origins.admin_base_url() or url.rstrip('/')}/admin/")
        logins = settings.DATA_DIR / "demo-logins.txt"
        if logins.exists():
            self.stdout.write(f"  Sign-ins (from {logins}):")
            for line in logins.read_text().splitlines():
                if line and not line.startswith("#"):
                    self.stdout.write(
                        "    " + "  ".join(f"{part:<18}" for part in line.split("\t"))
                    )
        mailbox = os.environ.get("DEMO_MAILBOX_DIR")
        if mailbox:
            self.stdout.write(
                f"  Mail:  everything the demo sends is kept in {mailbox}/ "
                "(.eml for a mail program, .html for a browser); nothing leaves this machine."
            )
        self.stdout.write(
            "  Press Ctrl-C to stop the web server, the worker, the scheduler and the mover.\n"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        commands = _commands(options)
        processes: dict[str, subprocess.Popen[bytes]] = {}
        stopping = False

        def stop_all(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop_all)
        signal.signal(signal.SIGTERM, stop_all)
        try:
            for name, command in commands.items():
                # Each child gets its own process group so one Ctrl-C reaches us once
                # and we stop the children in order.
                processes[name] = subprocess.Popen(command, start_new_session=True)  # noqa: S603
                self.stdout.write(f"started {name} (pid {processes[name].pid})")
            url = f"http://{options['host']}:{options['port']}/"
            announced = False
            exited = None
            while not stopping and exited is None:
                if not announced and _answers(options["host"], options["port"]):
                    self._announce(url)
                    announced = True
                time.sleep(0.2)
                exited = next((n for n, p in processes.items() if p.poll() is not None), None)
        finally:
            # Signal whole process groups: granian's own worker processes must go too.
            for process in processes.values():
                _signal_group(process, signal.SIGTERM)
            deadline = time.monotonic() + 10
            for process in processes.values():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    _signal_group(process, signal.SIGKILL)
                    process.wait()
            for process in processes.values():
                _signal_group(process, signal.SIGKILL)  # stragglers left in a group
        if not stopping and exited is not None:
            raise CommandError(
                f"{exited} exited with status {processes[exited].returncode}; stopped the others."
            )
        self.stdout.write("stopped web server, worker, scheduler, mover and (in the demo) mailbox.")


def _commands(options: dict[str, Any]) -> dict[str, list[str]]:
    """The processes to start, by name."""
    python = sys.executable
    commands = {
        "web": granian_command(
            host=options["host"], port=options["port"], workers=options["workers"]
        ),
    }
    if not options["no_worker"]:
        commands["worker"] = [
            python,
            "-m",
            "commonground.cli",
            "db_worker",
            "--interval",
            "1",
            "--no-startup-delay",
        ]
    commands["mover"] = [python, "-m", "commonground.cli", "analytics_mover"]
    if not options["no_scheduler"]:
        commands["scheduler"] = [python, "-m", "commonground.cli", "scheduler"]
    if os.environ.get("DEMO_MAILBOX_DIR"):
        # The demo's outgoing mail is kept, not sent (core/mail/mailbox.py).
        commands["mailbox"] = [python, "-m", "commonground.cli", "mailbox"]
    return commands
