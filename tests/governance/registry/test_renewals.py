"""Contract-renewal reminders (issue 14, point 10): 60 and 14 days before an approved entry's
renewal date, to its owner and to IT, each once; a run that missed the day still sends the
threshold it is in; nothing for unapproved entries or dates outside the thresholds."""

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from commonground.governance.models import RenewalReminder, Technology
from commonground.governance.registry import renewals, tasks

from ..factories import submitted_request


def _approved(editor: Any, it_admin: Any, name: str, renews_in: int) -> Technology:
    request = submitted_request(editor, name=name, **{"script-src": [f"{name.lower()}.example"]})
    from commonground.governance.registry import services

    services.decide(user=it_admin, request=request, approve=True, rationale="ok")
    technology = Technology.objects.get(pk=request.technology_id)
    technology.contract_renewal = timezone.localdate() + timedelta(days=renews_in)
    technology.save(update_fields=["contract_renewal"])
    return technology


def _sent() -> list[tuple[str, str]]:
    return sorted((m.to[0], m.subject) for m in mail.outbox)


@pytest.mark.django_db
def test_reminders_at_60_and_14_days_once_each(editor: Any, it_admin: Any) -> None:
    technology = _approved(editor, it_admin, "Crm", renews_in=70)
    renewal = technology.contract_renewal
    assert renewal is not None
    mail.outbox.clear()

    day = renewal - timedelta(days=61)
    assert renewals.send_renewal_reminders(today=day) == 0  # not yet

    day = renewal - timedelta(days=60)
    assert renewals.send_renewal_reminders(today=day) == 2
    subject = f"Crm renews on {renewal:%Y-%m-%d} (60 days' notice)"
    assert _sent() == sorted([(editor.email, subject), (it_admin.email, subject)])
    assert all("in 60 days" in m.body for m in mail.outbox)  # counted from the run's day
    # Later runs in the 60-day window send nothing more.
    for later in (0, 1, 30, 45):
        assert renewals.send_renewal_reminders(today=day + timedelta(days=later)) == 0

    mail.outbox.clear()
    day = renewal - timedelta(days=14)
    assert renewals.send_renewal_reminders(today=day) == 2
    subject = f"Crm renews on {renewal:%Y-%m-%d} (14 days' notice)"
    assert _sent() == sorted([(editor.email, subject), (it_admin.email, subject)])
    assert renewals.send_renewal_reminders(today=day) == 0
    assert renewals.send_renewal_reminders(today=renewal) == 0
    assert renewals.send_renewal_reminders(today=renewal + timedelta(days=1)) == 0
    assert RenewalReminder.objects.filter(sent_at__isnull=False).count() == 4


@pytest.mark.django_db
def test_a_missed_day_still_reminds_and_a_moved_date_reminds_again(
    editor: Any, it_admin: Any
) -> None:
    technology = _approved(editor, it_admin, "Chat", renews_in=10)
    mail.outbox.clear()
    # Ten days ahead, 14 days' notice is due (never the 60-day one: it would be late news).
    assert tasks.send_renewal_reminders.enqueue().return_value == 2
    assert all("(14 days' notice)" in m.subject for m in mail.outbox)
    assert tasks.send_renewal_reminders.enqueue().return_value == 0

    # The contract is renewed for a year: the new date gets its own reminders.
    mail.outbox.clear()
    technology.contract_renewal = timezone.localdate() + timedelta(days=50)
    technology.save(update_fields=["contract_renewal"])
    assert renewals.send_renewal_reminders() == 2
    assert all("(60 days' notice)" in m.subject for m in mail.outbox)


@pytest.mark.django_db
def test_no_reminder_for_entries_not_approved(editor: Any, it_admin: Any) -> None:
    request = submitted_request(editor, name="Waiting")
    Technology.objects.filter(pk=request.technology_id).update(
        contract_renewal=timezone.localdate() + timedelta(days=14)
    )
    mail.outbox.clear()
    assert renewals.send_renewal_reminders() == 0
    assert mail.outbox == []


def test_thresholds() -> None:
    assert [renewals.threshold_for(d) for d in (-1, 0, 14, 15, 60, 61)] == [
        None,
        14,
        14,
        60,
        60,
        None,
    ]
