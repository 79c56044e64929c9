"""The SMTP connection newsletters go out on (the one place it is built) and its two-phase send.

Exactly once, as far as SMTP allows: a message counts as delivered when the server has the
final "." of its DATA. The sender writes the whole message but that "." first, then lets the
caller commit "sent" to the database, and only then writes the "." and reads the answer. A
worker killed before the commit leaves the server with a message that never ended, which it
discards, and the database with the message still to send: it is sent once, later. Killed
after the commit, the message is delivered (the "." is one write away, and the kernel sends
what was written even when the process dies) and recorded as sent, but unconfirmed, since
nobody read the server's answer. Only a kill between the commit and that one write loses a
message: microseconds a message, and the delivery is then marked unconfirmed, not lost
silently.
"""

import email
import email.policy
import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

_DOTS = re.compile(rb"(?m)^\.")
_LINE_ENDS = re.compile(rb"\r\n|\r|\n")


class SMTPSendError(Exception):
    """The server refused a message; ``permanent`` for a 5xx answer (do not retry)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class SMTPAnswerLost(Exception):
    """The connection broke after the message was committed as sent, before the answer."""


@dataclass(frozen=True, slots=True)
class SMTPServer:
    host: str
    port: int
    username: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False
    timeout: float = 30.0

    @classmethod
    def from_settings(cls) -> "SMTPServer":
        """The server ``EMAIL_URL`` names (Django's EMAIL_* settings)."""
        return cls(
            host=settings.EMAIL_HOST,
            port=int(settings.EMAIL_PORT),
            username=settings.EMAIL_HOST_USER or "",
            password=settings.EMAIL_HOST_PASSWORD or "",
            use_tls=bool(settings.EMAIL_USE_TLS),
            use_ssl=bool(settings.EMAIL_USE_SSL),
            timeout=float(getattr(settings, "EMAIL_TIMEOUT", None) or 30),
        )


def _wire_format(message: bytes) -> bytes:
    """``message`` as DATA carries it: CRLF line ends, leading dots doubled, ending in CRLF
    (the terminating "." is not included)."""
    data = _DOTS.sub(b"..", _LINE_ENDS.sub(b"\r\n", message))
    return data if data.endswith(b"\r\n") else data + b"\r\n"


class NewsletterConnection:
    """One SMTP session for many messages, paced to at most ``max_per_second``."""

    def __init__(self, server: SMTPServer, *, max_per_second: float = 0) -> None:
        self.server = server
        self._interval = 1 / max_per_second if max_per_second > 0 else 0.0
        self._next_send = 0.0
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        smtp: smtplib.SMTP
        if server.use_ssl:
            smtp = smtplib.SMTP_SSL(
                server.host,
                server.port,
                timeout=server.timeout,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
            if server.use_tls:
                smtp.starttls(context=ssl.create_default_context())
        # The final "." goes out as a write of its own after the commit: without this, Nagle's
        # algorithm holds it until the server's delayed ACK of the body (40 ms a message).
        if smtp.sock is not None:
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        smtp.ehlo_or_helo_if_needed()
        if server.username:
            smtp.login(server.username, server.password)
        return smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def send(
        self, *, sender: str, recipient: str, message: bytes, committed: Callable[[], None]
    ) -> None:
        """Send ``message``; ``committed()`` is called once the message is on the wire but
        for its final ".", and must record it as sent (the point of no return).

        Raises SMTPSendError before ``committed`` when the server refuses the envelope or
        the connection fails (nothing was delivered), or after it when the server refuses
        the message at the end (the caller must undo "sent"); SMTPAnswerLost when the
        connection broke after the "." was written."""
        if self._interval:
            now = time.monotonic()
            if now < self._next_send:
                time.sleep(self._next_send - now)
            self._next_send = max(now, self._next_send) + self._interval
        try:
            smtp = self._smtp or self._connect()
            self._smtp = smtp
            self._envelope(smtp, sender, recipient)
            smtp.send(_wire_format(message))
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            if isinstance(error, SMTPSendError):
                raise
            raise SMTPSendError(
                f"SMTP failed before the message was sent: {error}", permanent=False
            ) from error
        committed()
        try:
            smtp.send(b".\r\n")
            code, reply = smtp.getreply()
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            raise SMTPAnswerLost(str(error)) from error
        if code != 250:
            self._drop()
            raise SMTPSendError(
                f"the server refused the message: {code} {reply.decode(errors='replace')}",
                permanent=500 <= code < 600,
            )

    def _envelope(self, smtp: smtplib.SMTP, sender: str, recipient: str) -> None:
        for command, expected in (
            (f"MAIL FROM:<{sender}>", (250,)),
            (f"RCPT TO:<{recipient}>", (250, 251)),
            ("DATA", (354,)),
        ):
            code, reply = smtp.docmd(command)
            if code not in expected:
                smtp.rset()  # the session stays usable for the next message
                raise SMTPSendError(
                    f"{command.split(':')[0]}: {code} {reply.decode(errors='replace')}",
                    permanent=500 <= code < 600,
                )

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None


class _RawMessage(EmailMessage):
    """A message already built (bytes), handed to one of Django's mail backends."""

    def __init__(self, raw: bytes, *, sender: str, recipient: str) -> None:
        super().__init__(from_email=sender, to=[recipient])
        self.raw = raw

    def message(self, *, policy: Any = None) -> Any:
        return email.message_from_bytes(self.raw, policy=email.policy.SMTP)


class DjangoMailConnection:
    """Newsletters through Django's configured mail backend when it is not SMTP (the console
    in development, memory in tests): no two-phase send, as nothing leaves the machine."""

    def __init__(self) -> None:
        self._connection = get_connection()

    def __enter__(self) -> Self:
        self._connection.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self._connection.close()

    def send(
        self, *, sender: str, recipient: str, message: bytes, committed: Callable[[], None]
    ) -> None:
        committed()
        self._connection.send_messages([_RawMessage(message, sender=sender, recipient=recipient)])


def newsletter_connection(
    *, max_per_second: float = 0
) -> "NewsletterConnection | DjangoMailConnection":
    """The SMTP session ``EMAIL_URL`` names; Django's backend when that is not SMTP."""
    if settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
        return NewsletterConnection(SMTPServer.from_settings(), max_per_second=max_per_second)
    return DjangoMailConnection()
