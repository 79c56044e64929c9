"""Anchors: the chain head, signed with AUDIT_KEY, written outside the database so that a
later ``audit verify --anchor FILE`` can tell whether the trail was truncated or rewritten.

An anchor is one JSON object: ``kind`` ("commonground.audit.anchor"), ``v`` (1),
``sequence``, ``hash`` (that entry's hash), ``key_id``, ``time`` (UTC, ISO 8601) and
``signature`` = HMAC-SHA256 under the key of the canonical JSON of every other key
(``chain.anchor_message``). Sinks are configured like Wagtail's backends
(``AUDIT_ANCHOR_SINKS``: name -> ``BACKEND`` dotted path and ``OPTIONS``): a file (one JSON
line appended per anchor), e-mail, a webhook (HTTP POST) and syslog.
"""

import datetime
import json
import logging
import logging.handlers
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.module_loading import import_string

from ..mail.send_once import mailer
from .chain import GENESIS_HASH, anchor_message, canonical_json
from .keys import current_key
from .models import AuditAnchor, AuditHead
from .verification import Anchor

logger = logging.getLogger(__name__)
ANCHOR_KIND = "commonground.audit.anchor"


def signed_head() -> dict[str, Any]:
    """The current head as a signed anchor."""
    head = AuditHead.objects.filter(pk=1).first()
    key = current_key()
    anchor: dict[str, Any] = {
        "kind": ANCHOR_KIND,
        "v": 1,
        "sequence": head.sequence if head else 0,
        "hash": head.hash if head else GENESIS_HASH,
        "key_id": key.key_id,
        "time": timezone.now().astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    anchor["signature"] = key.sign(anchor_message(anchor))
    return anchor


def anchor_line(anchor: dict[str, Any]) -> str:
    return canonical_json(anchor)


class AnchorSink:
    """Where anchors go; ``write`` raises (OSError, ValueError) when the anchor did not."""

    def __init__(self, name: str, **options: Any) -> None:
        self.name = name

    def write(self, anchor: dict[str, Any]) -> None:
        raise NotImplementedError


class FileSink(AnchorSink):
    """Appends one JSON line per anchor (make the file append-only, or on another host)."""

    def __init__(self, name: str, *, path: str | Path, **options: Any) -> None:
        super().__init__(name)
        self.path = Path(path)

    def write(self, anchor: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="ascii") as anchors:
            anchors.write(anchor_line(anchor) + "\n")
            anchors.flush()


class EmailSink(AnchorSink):
    """Mails each anchor (as its JSON line) to ``recipients``, through the project's mailer."""

    def __init__(self, name: str, *, recipients: list[str], **options: Any) -> None:
        super().__init__(name)
        if not recipients:
            raise ImproperlyConfigured(f"audit anchor sink {name!r}: no recipients")
        self.recipients = list(recipients)

    def write(self, anchor: dict[str, Any]) -> None:
        message = EmailMessage(
            subject=f"[{settings.WAGTAIL_SITE_NAME}] audit anchor #{anchor['sequence']}",
            body=(
                "The audit trail's signed head. Keep this message: "
                "`commonground audit verify --anchor FILE` checks the trail against anchors "
                "saved one per line in FILE.\n\n" + anchor_line(anchor) + "\n"
            ),
            to=self.recipients,
        )
        with mailer() as mail:
            mail.send(message)


class WebhookSink(AnchorSink):
    """POSTs each anchor as JSON to ``url``, through the project's webhook client (its
    public-address check included: ``allow_private_networks`` for an internal collector).
    The client is named by ``client`` (a dotted path set in settings), as core may not
    import the distribution app."""

    def __init__(
        self,
        name: str,
        *,
        url: str,
        client: str,
        timeout: float = 10,
        allow_private_networks: bool = False,
        **options: Any,
    ) -> None:
        super().__init__(name)
        self.url = url
        self.post: Callable[..., Any] = import_string(client)
        self.timeout = timeout
        self.allow_private_networks = allow_private_networks

    def write(self, anchor: dict[str, Any]) -> None:
        response = self.post(
            self.url,
            body=anchor_line(anchor).encode("ascii"),
            headers={"Content-Type": "application/json", "User-Agent": "commonground-audit"},
            timeout=self.timeout,
            allow_private_networks=self.allow_private_networks,
        )
        if not response.succeeded:
            raise OSError(response.error or f"HTTP {response.status_code}")


class SyslogSink(AnchorSink):
    """Sends each anchor as one syslog message (UDP by default) to ``host``:``port``."""

    def __init__(
        self,
        name: str,
        *,
        host: str = "localhost",
        port: int = 514,
        facility: str = "auth",
        tcp: bool = False,
        **options: Any,
    ) -> None:
        super().__init__(name)
        self.address = (host, int(port))
        self.facility = logging.handlers.SysLogHandler.facility_names[facility]
        self.socktype = socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM

    def write(self, anchor: dict[str, Any]) -> None:
        handler = logging.handlers.SysLogHandler(
            address=self.address, facility=self.facility, socktype=self.socktype
        )
        handler.ident = "commonground-audit: "
        try:
            record = logging.LogRecord(
                "commonground.audit.anchor",
                logging.INFO,
                __file__,
                0,
                anchor_line(anchor),
                None,
                None,
            )
            handler.handleError = _raise  # type: ignore[method-assign]
            handler.emit(record)
        finally:
            handler.close()


def _raise(record: logging.LogRecord) -> None:
    raise OSError("syslog: the anchor could not be sent")


def configured_sinks() -> list[AnchorSink]:
    sinks = []
    for name, config in getattr(settings, "AUDIT_ANCHOR_SINKS", {}).items():
        backend = import_string(config["BACKEND"])
        sinks.append(backend(name, **config.get("OPTIONS", {})))
    return sinks


@dataclass(frozen=True)
class AnchorResult:
    anchor: dict[str, Any]
    written: list[str]
    failures: list[str]

    @property
    def ok(self) -> bool:
        return bool(self.written) and not self.failures


def write_anchor(sinks: list[AnchorSink] | None = None) -> AnchorResult:
    """Signs the head and writes it to every sink; one failing sink does not stop the others.
    The attempt is recorded (AuditAnchor) for the posture page."""
    sinks = configured_sinks() if sinks is None else sinks
    anchor = signed_head()
    written, failures = [], []
    for sink in sinks:
        try:
            sink.write(anchor)
        except Exception as error:  # a sink's failure is reported, not fatal to the others
            logger.warning("audit anchor: sink %s failed: %s", sink.name, error)
            failures.append(f"{sink.name}: {error}")
        else:
            written.append(sink.name)
    if written:
        AuditAnchor.objects.create(
            created_at=timezone.now(),
            sequence=anchor["sequence"],
            hash=anchor["hash"],
            sinks=written,
            failures=failures,
        )
    return AnchorResult(anchor, written, failures)


def read_anchors(path: Path) -> Iterator[Anchor]:
    """The anchors in a file of JSON lines (a file sink's, or lines saved from mail/syslog);
    a line that is not JSON becomes an anchor verification refuses."""
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            text = line.strip().strip("\x00")  # syslog ends its messages with a NUL
            if not text:
                continue
            start = text.find("{")  # a syslog line carries a prefix
            try:
                fields = json.loads(text[start:]) if start >= 0 else None
            except ValueError:
                fields = None
            yield Anchor(f"{path.name} line {number}", fields if isinstance(fields, dict) else {})
