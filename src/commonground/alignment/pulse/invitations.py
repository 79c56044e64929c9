"""The invitation e-mail to answer a round: once to every person of either side.

Sent by a task, never inside a request. A person's invitation is claimed by inserting its
:class:`PulseInvitation` row before the e-mail goes out (the unique constraint lets one of
several workers win; a second run finds the row and sends nothing), and marked sent once the
SMTP server has taken it; a failure gives the claim back for the next run. A worker that dies
between claiming and marking leaves a claim another run takes over after
:data:`CLAIM_TIMEOUT` (perhaps a late duplicate: an SMTP hand-over cannot be made atomic with a
database write, and one duplicate is better than an invitation never sent).
"""

import logging
from contextlib import suppress
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ..models.pulse import PulseInvitation, PulseRound
from ..sides import SIDE_ROLES, Party, party_of
from .selectors import accepts_answers

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(hours=1)


def answer_url(pulse_round: PulseRound) -> str:
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
    return base.rstrip("/") + reverse("alignment_pulse_answer", args=[pulse_round.quarter])


def invitees() -> list[tuple[Any, Party]]:
    """Every active person of either side with an address, and their side (someone holding
    roles of both sides is on neither, and cannot answer)."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=SIDE_ROLES)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    return [(user, party) for user in users if (party := party_of(user)) is not None]


def _claim(pulse_round: PulseRound, user: Any, party: Party) -> PulseInvitation | None:
    """This invitation for this worker, or None if another worker has it or it was sent."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return PulseInvitation.objects.create(
                round=pulse_round, user=user, side=party.value, claimed_at=now
            )
    except IntegrityError:
        pass
    invitation = PulseInvitation.objects.filter(round=pulse_round, user=user)
    if invitation.filter(sent_at__isnull=True, claimed_at__lt=now - CLAIM_TIMEOUT).update(
        claimed_at=now
    ):
        return invitation.get()
    return None


def _release(claim: PulseInvitation) -> None:
    PulseInvitation.objects.filter(pk=claim.pk, sent_at__isnull=True).delete()


def _close(connection: BaseEmailBackend) -> None:
    # A server that fails QUIT has taken the messages already (smtplib's errors are OSErrors).
    with suppress(OSError):
        connection.close()


def invitation_message(pulse_round: PulseRound, user: Any, party: Party) -> EmailMessage:
    body = render_to_string(
        "alignment/pulse/email/invitation.txt",
        {
            "round": pulse_round,
            "name": user.get_short_name() or user.get_username(),
            "side": party.label,
            "url": answer_url(pulse_round),
        },
    )
    subject = f"The {pulse_round.quarter} relationship pulse: five statements, a minute or two"
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def send_invitations(round_id: int, *, today: date | None = None) -> int:
    """Invite everyone of either side not yet invited to the round, while it takes answers;
    returns how many e-mails went out. One SMTP connection, opened by the first message."""
    pulse_round = PulseRound.objects.filter(pk=round_id).first()
    if pulse_round is None or not accepts_answers(pulse_round, today=today):
        return 0
    sent_to = set(
        PulseInvitation.objects.filter(round=pulse_round, sent_at__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    sent = 0
    connection = get_connection()
    try:
        for user, party in invitees():
            if user.pk in sent_to:
                continue
            claim = _claim(pulse_round, user, party)
            if claim is None:
                continue
            try:
                connection.open()  # does nothing while the connection is open
                connection.send_messages([invitation_message(pulse_round, user, party)])
            except Exception:
                _release(claim)
                logger.exception("pulse invitation of %s to user %s failed", pulse_round, user.pk)
                _close(connection)  # perhaps broken: the next message opens another
                continue
            PulseInvitation.objects.filter(pk=claim.pk).update(sent_at=timezone.now())
            sent += 1
    finally:
        _close(connection)
    return sent
