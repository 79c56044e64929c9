"""Helpers the benchmarks share: a free port on 127.0.0.1, and wrk (installed when root)."""

import os
import shutil
import socket
import subprocess
import sys


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_wrk(bench: str) -> str:
    """The path of wrk; installed from Debian's package when missing and running as root."""
    found = shutil.which("wrk")
    if not found and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env).returncode:
            subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, env=env)
        found = shutil.which("wrk")
    if not found:
        sys.exit(f"{bench}: wrk is needed (apt-get install wrk)")
    return found
