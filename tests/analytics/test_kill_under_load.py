"""Acceptance: kill -9 of a server worker and of the mover under load loses and duplicates
nothing that was acknowledged.

Runs the kill part of bench/ingest.py for real: granian with two workers, the mover, eight
client threads posting events with unique ids; one worker and the mover get SIGKILL, granian
respawns the worker, the mover is restarted, and every acknowledged id is looked up.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_acknowledged_events_survive_kill_9_exactly_once() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "ingest.py"),
            "--only",
            "kill",
            "--kill-seconds",
            "10",
            "--kill-clients",
            "8",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["acknowledged"] > 500, report
    assert report["broken_requests"] > 0, f"the kill interrupted no request: {report}"
    assert report["workers_respawned"] >= 1, report
    assert report["lost"] == 0, report
    assert report["duplicated"] == 0, report
