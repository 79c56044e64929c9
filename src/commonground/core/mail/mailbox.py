"""The demo's mailbox: a local SMTP server that keeps every message the demo sends.

`make demo` points EMAIL_URL at it, so a newsletter, a test send or a lead notification can be
planned and sent as in production, and what a subscriber would receive can be opened: each
message is written as an .eml file (any mail program opens it) and, when it has one, its HTML
part beside it as an .html file (any browser opens it). It listens on 127.0.0.1 only and
forwards nothing.
"""

import email
import email.policy
import re
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

_UNSAFE = re.compile(r"[^A-Za-z0-9.@_-]+")


class Mailbox:
    """aiosmtpd handler writing each accepted message into one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.keep(envelope.content, list(envelope.rcpt_tos))
        return "250 Kept in the demo mailbox"

    def keep(self, content: bytes, recipients: list[str]) -> Path:
        message = email.message_from_bytes(content, policy=email.policy.default)
        first = recipients[0] if recipients else "nobody"
        stem = f"{time.strftime('%Y%m%d-%H%M%S')}-{time.monotonic_ns() % 10**6:06d}"
        stem += "-" + _UNSAFE.sub("_", first)[:80]
        eml = self.folder / f"{stem}.eml"
        eml.write_bytes(content)
        if isinstance(message, EmailMessage):
            html = message.get_body(preferencelist=("html",))
            if html is not None:
                (self.folder / f"{stem}.html").write_text(html.get_content(), encoding="utf-8")
        return eml


def serve(folder: Path, *, host: str = "127.0.0.1", port: int = 8025) -> None:
    """Serve until interrupted (the `commonground mailbox` command)."""
    from aiosmtpd.controller import Controller

    controller = Controller(Mailbox(folder), hostname=host, port=port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()
