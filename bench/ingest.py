"""Benchmark: single-event POSTs through the real multi-worker server, then a kill -9 run.

One run, against granian with 2 worker processes and the mover running, as in production:
  1. load: wrk posts one Plausible-format event per request to /api/event at each
     concurrency (16 and 64 by default, 20 s each), and the very same requests to /-/alive
     (a trivial endpoint on the same server that ignores them: the HTTP ceiling). Prints
     events/s, p50/p99 latency and errors; then, with the mover drained, compares the events
     stored with those wrk saw acknowledged (wrk drops the answers still in flight when it
     stops, so the store may hold up to one more event per connection per run).
  2. kill: Python clients post events with unique ids while one server worker and the mover
     are killed with SIGKILL; the worker is respawned, the mover restarted. Prints events
     acknowledged vs stored, lost and duplicated.

Usage:
  .venv/bin/python bench/ingest.py [--duration 20] [--concurrency 16 64] [--rounds 3]
  .venv/bin/python bench/ingest.py --only kill [--kill-seconds 12] [--json]
Needs wrk (Debian's package; installed with apt-get when run as root).
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from _support import ensure_wrk, free_port
from commonground.core.http.web_server import granian_command

PYTHON = sys.executable
SITE = "bench.example"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)

# One event per request; the path and the forwarded client address vary (170,000 addresses,
# so no visitor comes near the per-source rate limit), so visitors and pages differ as on a
# real site (the bench trusts 127.0.0.1 as its proxy). The ceiling run
# sends the very same requests to /-/alive, which answers without reading them.
WRK_SCRIPT = """
local n = 0
request = function()
  n = n + 1
  local body = string.format(
    '{"n":"pageview","u":"https://%(site)s/blog/post-%%d/?utm_source=bench",'
    .. '"d":"%(site)s","r":"https://www.google.com/"}', n %% 400)
  local headers = {}
  headers["Content-Type"] = "text/plain"
  headers["User-Agent"] = "%(ua)s"
  headers["X-Forwarded-For"] = string.format("10.%%d.%%d.%%d", n %% 7, n %% 97, n %% 251)
  return wrk.format("POST", "%(path)s", headers, body)
end
"""


class Deployment:
    """A data directory with a tracked site, granian (2 workers) and the mover."""

    def __init__(self, *, quiet: bool = False, rate_limit: bool = True) -> None:
        self.quiet = quiet
        self.data_dir = Path(tempfile.mkdtemp(prefix="cg-bench-ingest-"))
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "commonground.config.settings.dev",
            "COMMONGROUND_DATA_DIR": str(self.data_dir),
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "ANALYTICS_TRUSTED_PROXIES": "127.0.0.1/32",
        }
        if not rate_limit:
            self.env["ANALYTICS_RATE_LIMIT_PER_MINUTE"] = "0"
        self.env.pop("DATABASE_URL", None)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.server: subprocess.Popen[bytes] | None = None
        self.mover: subprocess.Popen[bytes] | None = None

    def say(self, message: str) -> None:
        if not self.quiet:
            print(f"bench/ingest: {message}", flush=True)

    def prepare(self) -> None:
        self.say(f"preparing {self.data_dir}")
        self._manage("migrate", "--noinput", "-v0")
        self._manage("collectstatic", "--noinput", "-v0")
        self._manage(
            "shell",
            "-c",
            "from commonground.analytics.public import ensure_tracked_site; "
            f"ensure_tracked_site(domain={SITE!r}, name='Bench')",
        )

    def _manage(self, *args: str) -> None:
        subprocess.run(
            [PYTHON, "-m", "commonground.cli", *args],
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start_server(self) -> None:
        command = granian_command(host="127.0.0.1", port=self.port, workers=2)
        self.server = subprocess.Popen(command, env=self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.base}/-/alive", timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        sys.exit("bench/ingest: the server did not start")

    def worker_pids(self) -> list[int]:
        assert self.server is not None
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.server.pid)], capture_output=True, text=True
        ).stdout
        return [int(pid) for pid in out.split()]

    def start_mover(self) -> None:
        """Start the mover and wait until it moves: its start-up (Django, the store) must
        not overlap a measurement."""
        self.mover = subprocess.Popen(
            [PYTHON, "-m", "commonground.cli", "analytics_mover", "--interval", "0.5"],
            env=self.env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.mover.stdout is not None
        ready = threading.Event()

        def read_output(stream: IO[str]) -> None:
            for line in stream:  # drained to the end, so the mover never blocks on a pipe
                if line.startswith("mover: moving events"):
                    ready.set()

        threading.Thread(target=read_output, args=(self.mover.stdout,), daemon=True).start()
        if not ready.wait(timeout=120):
            sys.exit("bench/ingest: the mover did not start")

    def stop_mover(self) -> None:
        if self.mover is not None and self.mover.poll() is None:
            self.mover.terminate()
            self.mover.wait(timeout=30)
        self.mover = None

    def stop_server(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            self.server.wait(timeout=30)

    def drain(self, *, timeout: float = 60) -> None:
        """Stop the server, then wait until the mover has moved and removed every segment."""
        self.stop_server()
        spool = self.data_dir / "spool"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not any(spool.glob("*")):
                return
            time.sleep(0.5)
        sys.exit(f"bench/ingest: the spool was not drained within {timeout:g} s")

    def stored(self, sql: str) -> list[tuple[object, ...]]:
        """Query the store; the mover (its one writer) must be stopped first."""
        import duckdb

        con = duckdb.connect(str(self.data_dir / "events.duckdb"), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def close(self) -> None:
        self.stop_mover()
        self.stop_server()
        shutil.rmtree(self.data_dir, ignore_errors=True)


# --- load -------------------------------------------------------------------------------


@dataclass
class WrkResult:
    requests_per_s: float
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _wrk(wrk: str, url: str, *, connections: int, duration: int, script: Path | None) -> WrkResult:
    command = [wrk, "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    if not (rate and total and p50 and p99):
        sys.exit(f"bench/ingest: could not read wrk's output:\n{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return WrkResult(
        float(rate.group(1)),
        int(total.group(1)),
        errors,
        _ms(*p50.groups()),
        _ms(*p99.groups()),
    )


def _cpu_busy_share(seconds: float) -> float:
    """How busy the machine's CPUs were over the next ``seconds`` (0 to 1)."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            ticks = [int(n) for n in stat.readline().split()[1:]]
        return sum(ticks), ticks[3] + ticks[4]  # all, idle + iowait

    total, idle = sample()
    time.sleep(seconds)
    total2, idle2 = sample()
    return 1 - (idle2 - idle) / max(1, total2 - total)


def wait_until_idle(say: Callable[[str], None], *, timeout: float = 90) -> None:
    """Wait for start-up work (server workers importing Django, the mover) to end, so that
    it does not take CPU from a measurement."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _cpu_busy_share(1.0) < 0.15:
            return
    say("the machine did not become idle; measuring anyway")


def run_load(args: argparse.Namespace) -> None:
    wrk = ensure_wrk("bench/ingest")
    deployment = Deployment()
    script = deployment.data_dir / "event.lua"
    trivial = deployment.data_dir / "trivial.lua"
    try:
        deployment.prepare()
        script.write_text(WRK_SCRIPT % {"site": SITE, "ua": CHROME, "path": "/api/event"})
        trivial.write_text(WRK_SCRIPT % {"site": SITE, "ua": CHROME, "path": "/-/alive"})
        deployment.start_server()
        deployment.start_mover()
        wait_until_idle(deployment.say)
        rows: list[tuple[str, int, WrkResult]] = []
        acknowledged = 0
        for connections in args.concurrency:
            for _ in range(args.rounds):
                for path, lua in (("/-/alive", trivial), ("/api/event", script)):
                    deployment.say(f"wrk -c{connections} -d{args.duration}s POST {path}")
                    result = _wrk(
                        wrk,
                        deployment.base + path,
                        connections=connections,
                        duration=args.duration,
                        script=lua,
                    )
                    rows.append((f"POST {path}", connections, result))
                acknowledged += result.requests - result.errors  # the /api/event run
        deployment.say("waiting for the mover to store everything")
        deployment.drain()
        deployment.stop_mover()
        stored = deployment.stored("SELECT count(*) FROM events")[0][0]
    finally:
        deployment.close()

    print()
    print(
        f"single-event POSTs, wrk -t2 -d{args.duration}s, granian 2 workers + mover, "
        f"{args.rounds} round(s) each (median)"
    )
    print(f"{'endpoint':<20}{'conc.':>6}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    summary: dict[tuple[str, int], list[WrkResult]] = {}
    for name, connections, result in rows:
        summary.setdefault((name, connections), []).append(result)
    for (name, connections), results in summary.items():
        print(
            f"{name:<20}{connections:>6}"
            f"{statistics.median(r.requests_per_s for r in results):>10,.0f}"
            f"{statistics.median(r.p50_ms for r in results):>9.1f}"
            f"{statistics.median(r.p99_ms for r in results):>9.1f}"
            f"{sum(r.errors for r in results):>8}"
        )
    for connections in args.concurrency:
        events = statistics.median(
            r.requests_per_s for r in summary["POST /api/event", connections]
        )
        ceiling = statistics.median(r.requests_per_s for r in summary["POST /-/alive", connections])
        print(f"c{connections}: events / trivial ceiling = {events / ceiling:.2f}  (bar: >= 0.25)")
    in_flight = sum(args.concurrency) * args.rounds
    print(
        f"acknowledged {acknowledged:,}, stored {stored:,}  "
        f"(bar: 0 <= stored - acknowledged <= {in_flight}, the answers in flight at wrk's end)"
    )


# --- kill -9 ----------------------------------------------------------------------------


@dataclass
class Client:
    """Posts events with unique ids; records the acknowledged.

    Each connection carries 25 requests, then a new one is opened, as browsers do: the
    server then spreads the clients over its workers.
    """

    port: int
    name: str
    acknowledged: list[str] = field(default_factory=list)
    refused: int = 0
    broken: int = 0

    def run(self, stop: threading.Event) -> None:
        conn: http.client.HTTPConnection | None = None
        n = 0
        while not stop.is_set():
            n += 1
            event_id = f"{self.name}-{n}"
            body = json.dumps(
                {"n": "Load", "u": f"https://{SITE}/kill/", "d": SITE, "p": {"id": event_id}}
            )
            try:
                if conn is not None and n % 25 == 0:
                    conn.close()
                    conn = None
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request(
                    "POST",
                    "/api/event",
                    body,
                    {"Content-Type": "text/plain", "User-Agent": CHROME},
                )
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                # Killed mid-request, or refused while the worker respawns: not acknowledged.
                self.broken += 1
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.01)
                continue
            if 200 <= response.status < 300 and not response.getheader("X-Dropped"):
                self.acknowledged.append(event_id)
            else:
                self.refused += 1
        if conn is not None:
            conn.close()


def _cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _busiest(pids: list[int]) -> int:
    """The process that used the most CPU over the next half second."""
    before = {pid: _cpu_ticks(pid) for pid in pids}
    time.sleep(0.5)
    return max(pids, key=lambda pid: _cpu_ticks(pid) - before[pid])


def run_kill(seconds: float, clients: int, *, quiet: bool) -> dict[str, int]:
    # A few client threads stand in for thousands of visitors: no per-source limit here.
    deployment = Deployment(quiet=quiet, rate_limit=False)
    try:
        deployment.prepare()
        deployment.start_server()
        deployment.start_mover()
        stop = threading.Event()
        workers = [Client(deployment.port, f"c{i}") for i in range(clients)]
        threads = [threading.Thread(target=c.run, args=(stop,)) for c in workers]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        time.sleep(seconds * 0.3)
        workers_before = deployment.worker_pids()
        if len(workers_before) < 2:
            sys.exit(f"bench/ingest: expected 2 server workers, found {workers_before}")
        victim = _busiest(workers_before)
        deployment.say(f"kill -9 server worker {victim} (the busier) and the mover, under load")
        os.kill(victim, signal.SIGKILL)
        assert deployment.mover is not None
        os.kill(deployment.mover.pid, signal.SIGKILL)
        deployment.mover.wait()
        time.sleep(seconds * 0.2)
        deployment.say("restarting the mover")
        deployment.start_mover()
        time.sleep(max(0.0, seconds - (time.monotonic() - started)))
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        respawned = [pid for pid in deployment.worker_pids() if pid not in workers_before]
        deployment.say(f"respawned workers: {respawned}")
        deployment.say("waiting for the mover to store everything")
        deployment.drain()
        deployment.stop_mover()
        rows = deployment.stored(
            "SELECT props->>'id' AS id, count(*) FROM events WHERE name = 'Load' GROUP BY id"
        )
    finally:
        deployment.close()
    stored = {str(event_id): count for event_id, count in rows}
    acknowledged = {event_id for client in workers for event_id in client.acknowledged}
    return {
        "clients": clients,
        "seconds": int(seconds),
        "acknowledged": len(acknowledged),
        "stored": len(stored),
        "lost": len(acknowledged - set(stored)),
        "duplicated": sum(1 for count in stored.values() if count > 1),
        "not_acknowledged_but_stored": len(set(stored) - acknowledged),
        "broken_requests": sum(c.broken for c in workers),
        "refused": sum(c.refused for c in workers),
        "workers_respawned": len(respawned),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=["load", "kill"], help="run one part only")
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 64])
    # Three: the ceiling alone varies by a third from run to run on this machine.
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs per scenario (median)")
    parser.add_argument("--kill-seconds", type=float, default=12.0)
    parser.add_argument("--kill-clients", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="kill run: print one JSON line")
    args = parser.parse_args()
    if args.only != "kill":
        run_load(args)
    if args.only != "load":
        result = run_kill(args.kill_seconds, args.kill_clients, quiet=args.json)
        if args.json:
            print(json.dumps(result))
        else:
            print()
            print(
                f"kill -9 of a server worker and the mover under load from "
                f"{result['clients']} clients, {result['seconds']} s:"
            )
            for key, value in result.items():
                print(f"  {key:<28}{value:>10,}")
            print("  (bar: lost = 0, duplicated = 0)")


if __name__ == "__main__":
    main()
