"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it accepts, by recipient."""

import email
import email.policy
import threading
from collections import Counter
from email.message import EmailMessage
from typing import Any


class Inbox:
    """What the SMTP server accepted, by recipient."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def by_recipient(self) -> Counter[str]:
        with self._lock:
            return Counter(r for rcpts, _ in self.messages for r in rcpts)
