"""Anchors outside the database (issue 14, point 5): `commonground audit anchor` signs the head
and writes it to each sink for real (a file, an e-mail through a real SMTP server, a webhook
to a live local HTTP server through the project's client, syslog to a local UDP socket); what
each sink received verifies with `audit verify --anchor`; the scheduler runs it hourly, and
the posture page warns when anchoring stopped or the key is the development default."""

import datetime
import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone
from wagtail.log_actions import log

from commonground.content.models import Author
from commonground.core.audit.keys import key_id_for
from commonground.core.audit.models import AuditAnchor, AuditHead
from commonground.core.audit.tasks import anchor_audit_trail
from commonground.governance.posture.checks import Status, audit_trail_anchored

from ..live_http import QuietHandler, serve_on_loopback
from ..smtp_inbox import Inbox

KEY = "audit-key-of-the-anchor-tests-0123456789abcdefghij"
WEBHOOK_CLIENT = "commonground.distribution.webhooks.sender.post_webhook"


@pytest.fixture
def trail(settings: Any, db: None) -> int:
    settings.AUDIT_KEY = KEY
    for name in ("Ada", "Grace"):
        log(Author.objects.create(name=name), "wagtail.create", user=None)
    return AuditHead.objects.get(pk=1).sequence


@pytest.fixture
def webhook_receiver() -> Iterator[tuple[str, list[bytes]]]:
    bodies: list[bytes] = []

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

    with serve_on_loopback(Handler) as url:
        yield f"{url}/anchors", bodies


@pytest.fixture
def syslog_socket() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    try:
        yield sock
    finally:
        sock.close()


def _anchor(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "anchor", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def _verify(*anchor_files: Path) -> tuple[int, str, str]:
    args = [arg for path in anchor_files for arg in ("--anchor", str(path))]
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_the_file_sink_appends_a_signed_head_that_verifies(trail: int, tmp_path: Path) -> None:
    path = tmp_path / "anchors.jsonl"
    assert _anchor("--file", str(path))[0] == 0
    log(Author.objects.create(name="Linus"), "wagtail.create", user=None)
    code, out, _ = _anchor("--file", str(path))
    assert code == 0 and f"anchored #{trail + 1}" in out
    first, second = (json.loads(line) for line in path.read_text().splitlines())
    assert (first["sequence"], second["sequence"]) == (trail, trail + 1)
    assert first["kind"] == "commonground.audit.anchor"
    assert first["key_id"] == key_id_for(KEY.encode())
    assert len(first["signature"]) == 64
    assert first["hash"] == AuditHead.objects.get(pk=1).hash or second["hash"] == (
        AuditHead.objects.get(pk=1).hash
    )
    code, out, err = _verify(path)
    assert code == 0, err
    assert out.count("  ok anchors.jsonl line") == 2


def test_every_configured_sink_gets_the_anchor(
    trail: int,
    settings: Any,
    tmp_path: Path,
    smtp: tuple[Inbox, int],
    webhook_receiver: tuple[str, list[bytes]],
    syslog_socket: socket.socket,
) -> None:
    inbox, port = smtp
    url, bodies = webhook_receiver
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    file_path = tmp_path / "sink.jsonl"
    settings.AUDIT_ANCHOR_SINKS = {
        "file": {
            "BACKEND": "commonground.core.audit.anchors.FileSink",
            "OPTIONS": {"path": str(file_path)},
        },
        "email": {
            "BACKEND": "commonground.core.audit.anchors.EmailSink",
            "OPTIONS": {"recipients": ["it-audit@example.com", "auditor@example.org"]},
        },
        "webhook": {
            "BACKEND": "commonground.core.audit.anchors.WebhookSink",
            # A collector on this machine: the address check must be told it is allowed.
            "OPTIONS": {"url": url, "client": WEBHOOK_CLIENT, "allow_private_networks": True},
        },
        "syslog": {
            "BACKEND": "commonground.core.audit.anchors.SyslogSink",
            "OPTIONS": {"host": "127.0.0.1", "port": syslog_socket.getsockname()[1]},
        },
    }
    code, out, err = _anchor()
    assert code == 0, err
    assert f"anchored #{trail}" in out and "to file, email, webhook, syslog" in out

    received = {"file": file_path.read_text().strip()}
    [(recipients, message)] = inbox.deliveries()
    assert sorted(recipients) == ["auditor@example.org", "it-audit@example.com"]
    assert f"audit anchor #{trail}" in message["Subject"]
    body = message.get_content()
    received["email"] = next(line for line in body.splitlines() if line.startswith("{"))
    [posted] = bodies
    received["webhook"] = posted.decode()
    datagram, _ = syslog_socket.recvfrom(65536)
    text = datagram.decode().rstrip("\x00")
    assert text.startswith("<")  # a syslog priority
    assert "commonground-audit: " in text
    received["syslog"] = text

    # Each sink's copy is the same signed head, and each verifies on its own.
    anchors = {name: json.loads(line[line.index("{") :]) for name, line in received.items()}
    assert len({json.dumps(a, sort_keys=True) for a in anchors.values()}) == 1
    for name, line in received.items():
        saved = tmp_path / f"from-{name}.txt"
        saved.write_text(line + "\n")
        code, out, err = _verify(saved)
        assert code == 0, (name, out, err)
        assert f"ok from-{name}.txt line 1: #{trail}" in out

    anchor = AuditAnchor.objects.get()
    assert (anchor.sequence, anchor.sinks, anchor.failures) == (
        trail,
        ["file", "email", "webhook", "syslog"],
        [],
    )


def test_the_webhook_sink_keeps_the_public_address_check(
    trail: int, settings: Any, tmp_path: Path, webhook_receiver: tuple[str, list[bytes]]
) -> None:
    url, bodies = webhook_receiver
    settings.AUDIT_ANCHOR_SINKS = {
        "file": {
            "BACKEND": "commonground.core.audit.anchors.FileSink",
            "OPTIONS": {"path": str(tmp_path / "a.jsonl")},
        },
        "webhook": {
            "BACKEND": "commonground.core.audit.anchors.WebhookSink",
            "OPTIONS": {"url": url, "client": WEBHOOK_CLIENT},
        },
    }
    code, out, err = _anchor()
    # The loopback collector is refused, the other sink still has the anchor, exit 1.
    assert code == 1
    assert "anchor sink failed: webhook:" in err and "not a public address" in err
    assert "to file" in out
    assert bodies == []
    assert AuditAnchor.objects.get().failures[0].startswith("webhook: ")


def test_no_sink_taking_the_anchor_is_an_error(trail: int, settings: Any, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the sink wants a directory")
    settings.AUDIT_ANCHOR_SINKS = {
        "file": {
            "BACKEND": "commonground.core.audit.anchors.FileSink",
            "OPTIONS": {"path": str(blocked / "anchors.jsonl")},
        }
    }
    with pytest.raises(Exception, match="reached no sink"):
        call_command("audit", "anchor", stdout=io.StringIO(), stderr=io.StringIO())
    assert not AuditAnchor.objects.exists()


def test_the_scheduler_anchors_hourly_by_default(trail: int, settings: Any, tmp_path: Path) -> None:
    assert django_settings.PERIODIC_TASKS["commonground.core.audit.tasks.anchor_audit_trail"] == (
        3600
    )
    path = tmp_path / "scheduled.jsonl"
    settings.AUDIT_ANCHOR_SINKS = {
        "file": {
            "BACKEND": "commonground.core.audit.anchors.FileSink",
            "OPTIONS": {"path": str(path)},
        }
    }
    result = anchor_audit_trail.enqueue()  # the test settings' immediate backend runs it
    assert result.return_value == trail
    assert json.loads(path.read_text())["sequence"] == trail


def test_verify_refuses_a_missing_anchor_file(trail: int, tmp_path: Path) -> None:
    with pytest.raises(Exception, match="no such anchor file"):
        _verify(tmp_path / "nowhere.jsonl")


# The posture page ---------------------------------------------------------------------------


def test_the_posture_check_warns_without_an_anchor_and_with_the_dev_key(
    db: None, settings: Any
) -> None:
    settings.AUDIT_KEY = ""
    result = audit_trail_anchored()
    assert result.status == Status.WARNING
    assert "development default" in result.found
    assert "never been anchored" in result.found


def test_the_posture_check_warns_when_the_last_anchor_is_older_than_twice_the_schedule(
    trail: int, settings: Any, tmp_path: Path
) -> None:
    settings.AUDIT_ANCHOR_INTERVAL_SECONDS = 3600
    assert _anchor("--file", str(tmp_path / "a.jsonl"))[0] == 0
    result = audit_trail_anchored()
    assert result.status == Status.OK, result.found
    AuditAnchor.objects.update(created_at=timezone.now() - datetime.timedelta(hours=2, minutes=1))
    result = audit_trail_anchored()
    assert result.status == Status.WARNING
    assert "more than twice the schedule (1 h) ago" in result.found
