"""Run a command against a throwaway PostgreSQL cluster started with initdb and pg_ctl.

Usage: python scripts/with_postgres.py <command> [args...]

The cluster lives in a temporary directory, listens on a free loopback port, and is
stopped and removed afterwards. DATABASE_URL points the command at it. Without server
binaries the run is skipped with a message, except under CI=true, where it is an error
(and, as root, Debian's postgresql package is installed first).
"""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _server_bin_dir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _install_with_apt() -> None:
    print("with_postgres: installing Debian's postgresql package", flush=True)
    subprocess.run(["apt-get", "update", "-q"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "postgresql"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    in_ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    bin_dir = _server_bin_dir()
    if bin_dir is None and in_ci and os.geteuid() == 0:
        _install_with_apt()
        bin_dir = _server_bin_dir()
    if bin_dir is None:
        message = "PostgreSQL server binaries (initdb, pg_ctl) not found"
        if in_ci:
            print(f"with_postgres: ERROR: {message}; the PostgreSQL run is mandatory in CI.")
            return 1
        print(
            f"with_postgres: SKIPPED the PostgreSQL run: {message}. "
            "Install Debian's 'postgresql' package to run it."
        )
        return 0

    # PostgreSQL refuses to run as root; run the server as the 'postgres' system user then.
    as_root = os.geteuid() == 0
    run_as = ["runuser", "-u", "postgres", "--"] if as_root else []
    base = Path(tempfile.mkdtemp(prefix="cg-pg-"))
    data_dir, socket_dir = base / "data", base / "socket"
    socket_dir.mkdir()
    if as_root:
        shutil.chown(base, "postgres")
        shutil.chown(socket_dir, "postgres")
    port = _free_port()
    log = base / "server.log"
    pg_ctl = [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data_dir)]
    try:
        subprocess.run(
            [
                *run_as,
                str(bin_dir / "initdb"),
                "-D",
                str(data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = (
            f"-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            [*pg_ctl, "-l", str(log), "-o", options, "-w", "-t", "60", "start"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        url = f"postgres://postgres@127.0.0.1:{port}/commonground"
        subprocess.run(
            [
                *run_as,
                str(bin_dir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "postgres",
                "commonground",
            ],
            check=True,
        )
        print(f"with_postgres: PostgreSQL ({bin_dir.parent.name}) on 127.0.0.1:{port}", flush=True)
        started = time.monotonic()
        result = subprocess.run(argv, env={**os.environ, "DATABASE_URL": url}, check=False)
        print(
            f"with_postgres: command finished in {time.monotonic() - started:.0f}s "
            f"with status {result.returncode}",
            flush=True,
        )
        return result.returncode
    finally:
        if (data_dir / "postmaster.pid").exists():
            subprocess.run(
                [*pg_ctl, "-m", "immediate", "-w", "stop"], check=False, stdout=subprocess.DEVNULL
            )
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
