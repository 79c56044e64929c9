"""The invitation e-mail to answer a round: once to every person of either side.

Sent by a task, never inside a request; each invitation is claimed through its
:class:`PulseInvitation` row (unique per round and person) before it goes out and marked sent
after (``core/send_once.py``).
"""

import logging
from datetime import date
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from commonground.core.mail import send_once

from ..models.pulse import PulseInvitation, PulseRound
from ..sides import SIDE_ROLES, Party, party_of
from .selectors import accepts_answers

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = send_once.CLAIM_TIMEOUT


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
    with send_once.mailer() as mail:
        for user, party in invitees():
            if user.pk in sent_to:
                continue
            try:
                sent += send_once.send_once(
                    PulseInvitation,
                    key={"round": pulse_round, "user": user},
                    defaults={"side": party.value},
                    message=partial(invitation_message, pulse_round, user, party),
                    mail=mail,
                )
            except Exception:
                logger.exception("pulse invitation of %s to user %s failed", pulse_round, user.pk)
    return sent
