"""E-mail that goes out at most once per row, whichever of several workers sends it: the
weekly analytics report, the weekly joint report and the pulse invitations all send this way.

A message is claimed by inserting its row (a unique key: user and week, user and round) before
it goes out; the constraint lets one worker of several win, and a second run finds the row and
sends nothing. The row is marked sent once the SMTP server has taken the message; a failure to
send gives the claim back for the next run. A worker that dies between claiming and marking
leaves a claim another run takes over after :data:`CLAIM_TIMEOUT` (the message may have gone out
already: an SMTP hand-over cannot be made atomic with a database write, and one late duplicate
is the lesser evil than a message silently never sent).
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import timedelta
from typing import Any, TypeVar

from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, models, transaction
from django.utils import timezone

CLAIM_TIMEOUT = timedelta(hours=1)
Row = TypeVar("Row", bound=models.Model)


def claim(
    model: type[Row], *, key: Mapping[str, Any], defaults: Mapping[str, Any] | None = None
) -> Row | None:
    """The row of ``model`` with ``key`` (its unique fields), claimed for this worker; None when
    another worker holds a fresh claim or the message was sent. ``model`` has ``claimed_at``
    and ``sent_at`` fields."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return model._default_manager.create(**key, **(defaults or {}), claimed_at=now)
    except IntegrityError:
        pass
    rows = model._default_manager.filter(**key)
    # Taken over only if its worker has been silent for CLAIM_TIMEOUT and it is unsent; the
    # conditional UPDATE lets one of several workers win.
    if rows.filter(sent_at__isnull=True, claimed_at__lt=now - CLAIM_TIMEOUT).update(claimed_at=now):
        return rows.get()
    return None


def release(row: models.Model) -> None:
    """Give an unsent claim back, for the next run."""
    type(row)._default_manager.filter(pk=row.pk, sent_at__isnull=True).delete()


def mark_sent(row: models.Model) -> None:
    type(row)._default_manager.filter(pk=row.pk).update(sent_at=timezone.now())


class Mailer:
    """One SMTP connection for a run: opened by the first message (most runs send none),
    opened again after a failure (it may be broken), closed at the end."""

    def __init__(self, connection: BaseEmailBackend) -> None:
        self._connection = connection

    def send(self, message: EmailMessage) -> None:
        try:
            self._connection.open()  # does nothing while the connection is open
            self._connection.send_messages([message])
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        # A server that fails QUIT has taken the messages already (smtplib's errors are
        # OSErrors).
        with suppress(OSError):
            self._connection.close()


@contextmanager
def mailer() -> Iterator[Mailer]:
    sender = Mailer(get_connection())
    try:
        yield sender
    finally:
        sender.close()


def send_once(
    model: type[Row],
    *,
    key: Mapping[str, Any],
    message: Callable[[], EmailMessage],
    mail: Mailer,
    defaults: Mapping[str, Any] | None = None,
) -> bool:
    """Claim the row, build ``message`` and send it, mark the row sent; False when another
    worker has it or it went already. A failure (building or sending) gives the claim back
    and is raised for the caller to log."""
    row = claim(model, key=key, defaults=defaults)
    if row is None:
        return False
    try:
        mail.send(message())
    except BaseException:
        release(row)
        raise
    mark_sent(row)
    return True
