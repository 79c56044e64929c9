"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it accepts: the messages, their
envelope recipients and the client's address per message (one per SMTP connection)."""

import email
import email.policy
import threading
from collections import Counter
from email.message import EmailMessage
from typing import Any


class Inbox:
    """What the SMTP server accepted, message by message."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.peers: list[Any] = []  # the client's (host, port)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
            self.recipients.append(list(envelope.rcpt_tos))
            self.peers.append(session.peer)
        return "250 Message accepted for delivery"

    def deliveries(self) -> list[tuple[list[str], EmailMessage]]:
        """(envelope recipients, message) for each message accepted."""
        with self._lock:
            return list(zip(self.recipients, self.messages, strict=True))

    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def by_recipient(self) -> Counter[str]:
        with self._lock:
            return Counter(r for rcpts in self.recipients for r in rcpts)
