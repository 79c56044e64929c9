"""How the web server is started: one granian command line for `run`, tests and benchmarks."""

import sys

WSGI_APPLICATION = "commonground.config.wsgi:application"


def granian_command(*, host: str, port: int, workers: int, log_level: str = "warning") -> list[str]:
    """The command that serves the WSGI app with ``workers`` processes on ``host:port``."""
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        # One thread per process: Django's request handling is synchronous, and several
        # threads per process only add contention on 2 cores.
        "--blocking-threads",
        "1",
        "--no-ws",
        # A worker that dies (out of memory, kill -9) is replaced instead of leaving the
        # server with fewer processes until someone restarts it.
        "--respawn-failed-workers",
        "--respawn-interval",
        "1",
        "--log-level",
        log_level,
        WSGI_APPLICATION,
    ]
