"""Benchmark: anonymous page views through the multi-worker server, and publish-to-visible.

One run measures, with wrk at concurrency 16 against granian (2 worker processes):
  - a static file served by the same server (WhiteNoise inside the same app): the ceiling,
  - a cached page (the page cache answers before sessions, auth and Wagtail),
  - the same cached page from a server without the Content-Security-Policy middleware
    (bench/settings_without_csp.py), run in the same rounds: what the policy costs,
  - the same page uncached (a second server started with PAGE_CACHE_ENABLED=false),
and then the latency from a publish to the first anonymous response showing the change.

Usage: .venv/bin/python bench/pages.py [--duration 10] [--connections 16] [--rounds 3]
Needs wrk (Debian's package; installed with apt-get when run as root).
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from _support import ensure_wrk, free_port
from commonground.core.http.web_server import granian_command

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def _commonground(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "-m", "commonground.cli", *args], env=env, check=True)


def _start_server(
    env: dict[str, str], port: int, *, cached: bool, csp: bool = True
) -> subprocess.Popen[bytes]:
    server_env = {**env, "PAGE_CACHE_ENABLED": "true" if cached else "false"}
    if not csp:
        bench_dir = str(Path(__file__).resolve().parent)
        server_env["DJANGO_SETTINGS_MODULE"] = "settings_without_csp"
        server_env["PYTHONPATH"] = os.pathsep.join(filter(None, [bench_dir, env.get("PYTHONPATH")]))
    command = granian_command(host="127.0.0.1", port=port, workers=2)
    process = subprocess.Popen(command, env=server_env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=2)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    sys.exit("bench/pages: server did not start")


def _wrk(wrk: str, url: str, duration: int, connections: int) -> float:
    result = subprocess.run(
        [wrk, "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    if not match:
        sys.exit(f"bench/pages: could not read wrk output:\n{result.stdout}")
    if errors:
        sys.exit(f"bench/pages: {errors.group(1)} error responses from {url}")
    return float(match.group(1))


def _fetch(url: str) -> tuple[str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode(), response.headers.get("X-Cache", "")


def _publish_to_visible(env: dict[str, str], port: int, page_path: str, rounds: int) -> list[float]:
    """Publish an edit in this process and poll the server until it serves it."""
    os.environ.update(env)
    import django

    django.setup()
    from wagtail.models import Page, Site

    root = Site.objects.get(is_default_site=True).root_page
    url_path = root.url_path + (page_path.strip("/") + "/" if page_path.strip("/") else "")
    page = Page.objects.get(url_path=url_path).specific
    url = f"http://127.0.0.1:{port}{page_path}"
    latencies = []
    for _ in range(rounds):
        _fetch(url)
        _fetch(url)  # now cached
        marker = f"Updated {uuid.uuid4().hex[:12]}"
        page.title = marker
        page.seo_title = ""
        started = time.perf_counter()
        page.save_revision().publish()
        deadline = started + 10
        while time.perf_counter() < deadline:
            body, _ = _fetch(url)
            if marker in body:
                latencies.append(time.perf_counter() - started)
                break
        else:
            sys.exit("bench/pages: a published edit was not visible within 10 s")
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs per scenario (median)")
    parser.add_argument("--page", default="/", help="path of the page to load")
    args = parser.parse_args()
    wrk = ensure_wrk("bench/pages")

    data_dir = Path(tempfile.mkdtemp(prefix="cg-bench-pages-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "commonground.config.settings.dev",
        "COMMONGROUND_DATA_DIR": str(data_dir),
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    print(f"bench/pages: preparing a demo site in {data_dir}", flush=True)
    _commonground(env, "migrate", "--noinput", "-v0")
    _commonground(env, "collectstatic", "--noinput", "-v0")
    subprocess.run(
        [PYTHON, "-m", "commonground.cli", "load_demo"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    static_path = "/static/" + next(
        str(p.relative_to(data_dir / "static"))
        for p in sorted((data_dir / "static").rglob("*.css"))
        if "content" in p.parts
    )

    results: dict[str, list[float]] = {"static": [], "cached": [], "no_csp": [], "uncached": []}
    port, plain_port = free_port(), free_port()
    server = _start_server(env, port, cached=True)
    plain = _start_server(env, plain_port, cached=True, csp=False)
    try:
        base, plain_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{plain_port}"
        for url in (base + args.page, plain_base + args.page):
            _fetch(url)
            _, state = _fetch(url)
            if state != "HIT":
                sys.exit(f"bench/pages: expected a cache HIT on {url}, got {state!r}")
        with urllib.request.urlopen(base + args.page, timeout=10) as response:
            if not response.headers.get("Content-Security-Policy"):
                sys.exit("bench/pages: the server sent no Content-Security-Policy")
        with urllib.request.urlopen(plain_base + args.page, timeout=10) as response:
            if response.headers.get("Content-Security-Policy"):
                sys.exit("bench/pages: the reference server sent a Content-Security-Policy")
        for _ in range(args.rounds):  # interleaved, so drift on a noisy machine hits all three
            results["static"].append(_wrk(wrk, base + static_path, args.duration, args.connections))
            results["cached"].append(_wrk(wrk, base + args.page, args.duration, args.connections))
            results["no_csp"].append(
                _wrk(wrk, plain_base + args.page, args.duration, args.connections)
            )
    finally:
        for process in (server, plain):
            process.terminate()
            process.wait()
    port = free_port()
    server = _start_server(env, port, cached=False)
    try:
        _, state = _fetch(f"http://127.0.0.1:{port}{args.page}")
        if state:
            sys.exit("bench/pages: the uncached server answered from the cache")
        for _ in range(args.rounds):
            results["uncached"].append(
                _wrk(wrk, f"http://127.0.0.1:{port}{args.page}", args.duration, args.connections)
            )
    finally:
        server.terminate()
        server.wait()

    port = free_port()
    server = _start_server(env, port, cached=True)
    try:
        latencies = _publish_to_visible(env, port, args.page, rounds=10)
    finally:
        server.terminate()
        server.wait()
    shutil.rmtree(data_dir, ignore_errors=True)

    med = {name: statistics.median(values) for name, values in results.items()}
    print()
    print(
        f"anonymous GET {args.page}, wrk -t2 -c{args.connections} -d{args.duration}s, "
        f"granian 2 workers, median of {args.rounds}"
    )
    print(f"{'scenario':<28}{'req/s (median)':>16}{'runs':>34}")
    for name, label in (
        ("static", f"static file {static_path[:20]}…"),
        ("cached", "cached page"),
        ("no_csp", "cached page, no CSP"),
        ("uncached", "uncached page"),
    ):
        runs = ", ".join(f"{v:,.0f}" for v in results[name])
        print(f"{label:<28}{med[name]:>16,.0f}{runs:>34}")
    print(f"cached / uncached:   {med['cached'] / med['uncached']:.1f}x   (bar: >= 10x)")
    print(f"cached / static:     {med['cached'] / med['static']:.2f}    (bar: >= 0.5)")
    print(f"cached / no CSP:     {med['cached'] / med['no_csp']:.2f}    (what the policy costs)")
    print(
        f"publish-to-visible:  median {statistics.median(latencies) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms over {len(latencies)} publishes (bar: < 1 s)"
    )


if __name__ == "__main__":
    main()
