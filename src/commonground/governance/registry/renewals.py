"""Contract-renewal reminders: 60 and 14 days before an approved entry's renewal date, to its
owner and to IT, each once per entry, renewal date, threshold and person
(``core.mail.send_once``); a run that missed a day still sends the threshold it is in."""

import logging
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from commonground.core.mail import send_once

from .models import RenewalReminder, Technology
from .notifications import reviewers

logger = logging.getLogger(__name__)

# Days before the renewal date, the earliest first.
THRESHOLDS = (60, 14)


def threshold_for(days_left: int) -> int | None:
    """The reminder due ``days_left`` days before a renewal: the nearest threshold not yet
    passed (60 from 60 to 15 days, 14 from 14 to the day itself), None outside them."""
    if days_left < 0:
        return None
    due = [days for days in THRESHOLDS if days_left <= days]
    return min(due) if due else None


def _recipients(technology: Technology, it_people: list[Any]) -> list[Any]:
    people = {person.pk: person for person in it_people}
    owner = technology.owner
    if owner is not None and owner.is_active and owner.email:
        people.setdefault(owner.pk, owner)
    return list(people.values())


def reminder_message(technology: Technology, days: int, person: Any, today: date) -> EmailMessage:
    base = (getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "").rstrip("/")
    renewal = technology.contract_renewal
    assert renewal is not None
    body = render_to_string(
        "governance/email/renewal_reminder.txt",
        {
            "technology": technology,
            "days": (renewal - today).days,
            "name": person.get_short_name() or person.get_username(),
            "url": base + reverse("governance_registry:inspect", args=[technology.pk]),
        },
    )
    subject = f"{technology.name} renews on {renewal:%Y-%m-%d} ({days} days' notice)"
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])


def send_renewal_reminders(*, today: date | None = None) -> int:
    """Every reminder due today and not yet sent; returns how many e-mails went out."""
    today = today or timezone.localdate()
    due = Technology.objects.filter(
        status=Technology.Status.APPROVED,
        contract_renewal__range=(today, today + timedelta(days=max(THRESHOLDS))),
    ).select_related("owner")
    it_people = list(reviewers())
    sent = 0
    with send_once.mailer() as mail:
        for technology in due:
            renewal = technology.contract_renewal
            assert renewal is not None
            days = threshold_for((renewal - today).days)
            if days is None:
                continue
            for person in _recipients(technology, it_people):
                try:
                    sent += send_once.send_once(
                        RenewalReminder,
                        key={
                            "technology": technology,
                            "renewal": renewal,
                            "days_before": days,
                            "user": person,
                        },
                        message=partial(reminder_message, technology, days, person, today),
                        mail=mail,
                    )
                except Exception:
                    logger.exception(
                        "renewal reminder for %s to user %s failed", technology.pk, person.pk
                    )
    return sent
