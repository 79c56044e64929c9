"""Opening the quarter's round and inviting both sides, over a real SMTP server (aiosmtpd): one
e-mail per person, once, however often the task runs; leads may open and close a round by hand."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from commonground.alignment.models import PulseInvitation, PulseRound
from commonground.alignment.periods import Quarter
from commonground.alignment.pulse import invitations, services
from commonground.alignment.pulse.tasks import open_quarterly_pulse
from commonground.core import roles

from ..conftest import client_for
from ..core.factories import UserFactory
from ..processes import free_port
from ..smtp_inbox import Inbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_backend(settings, smtp: tuple[Inbox, int]) -> Inbox:
    """This process sends through the real SMTP server."""
    inbox, port = smtp
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.WAGTAILADMIN_BASE_URL = "https://cg.example.org"
    return inbox


@pytest.fixture
def staff(cmo, cio, editor, publisher, it_admin, viewer) -> dict[str, str]:
    """Everyone of either side (address -> side), and people who get nothing: the Viewer,
    someone inactive, someone without an address, someone holding both sides' roles."""
    UserFactory(roles=[roles.MARKETING_EDITOR], is_active=False)
    UserFactory(roles=[roles.IT_ADMINISTRATOR], email="")
    UserFactory(roles=[roles.MARKETING_EDITOR, roles.IT_ADMINISTRATOR])
    return {
        cmo.email: "Marketing",
        cio.email: "IT",
        editor.email: "Marketing",
        publisher.email: "Marketing",
        it_admin.email: "IT",
    }


def _run_task() -> int:
    result = open_quarterly_pulse.enqueue()  # the immediate backend runs it here
    return int(result.return_value)


def test_the_task_opens_the_quarters_round_and_invites_each_person_once(
    smtp_backend, staff
) -> None:
    assert _run_task() == 5

    quarter = Quarter.of(timezone.localdate())
    pulse_round = PulseRound.objects.get()
    assert (pulse_round.quarter, pulse_round.opens_on, pulse_round.closes_on) == (
        str(quarter),
        quarter.start,
        quarter.end,
    )
    assert pulse_round.status == PulseRound.Status.OPEN
    assert smtp_backend.by_recipient() == {address: 1 for address in staff}
    for recipients, message in smtp_backend.deliveries():
        assert len(recipients) == 1  # nobody sees the others' addresses
        body = message.get_content()
        assert f"https://cg.example.org/admin/alignment/pulse/{quarter}/answer/" in body
        assert f"You answer for the {staff[recipients[0]]} side" in body
        assert str(quarter) in message["Subject"]
    assert ModelLogEntry.objects.filter(action=services.ROUND_OPEN).count() == 1

    assert _run_task() == 0
    assert _run_task() == 0
    assert smtp_backend.count() == 5
    assert PulseRound.objects.count() == 1


def test_someone_who_joins_later_is_invited_by_the_next_run(smtp_backend, staff) -> None:
    _run_task()
    newcomer = UserFactory(roles=[roles.MARKETING_PUBLISHER])
    assert _run_task() == 1
    assert smtp_backend.by_recipient()[newcomer.email] == 1
    assert smtp_backend.count() == 6


def test_one_round_a_quarter_however_many_workers_open_it(db) -> None:
    assert services.open_quarter_round_if_due() is not None
    assert services.open_quarter_round_if_due() is None
    quarter = Quarter.of(timezone.localdate())
    with pytest.raises(IntegrityError), transaction.atomic():
        PulseRound.objects.create(
            quarter=str(quarter), opens_on=quarter.start, closes_on=quarter.end
        )
    assert PulseRound.objects.count() == 1


def test_an_invitation_claimed_by_another_worker_is_left_to_it(smtp_backend, cmo, editor) -> None:
    pulse_round = services.open_quarter_round_if_due()
    assert pulse_round is not None
    PulseInvitation.objects.create(
        round=pulse_round, user=editor, side="marketing", claimed_at=timezone.now()
    )
    assert invitations.send_invitations(pulse_round.pk) == 1
    assert set(smtp_backend.by_recipient()) == {cmo.email}

    # A claim whose worker went silent is taken over, once.
    PulseInvitation.objects.filter(user=editor).update(
        claimed_at=timezone.now() - invitations.CLAIM_TIMEOUT - timedelta(minutes=1)
    )
    assert invitations.send_invitations(pulse_round.pk) == 1
    assert invitations.send_invitations(pulse_round.pk) == 0
    assert smtp_backend.by_recipient() == {cmo.email: 1, editor.email: 1}


def test_a_failed_send_gives_the_invitation_back_for_the_next_run(
    smtp_backend, settings, cmo
) -> None:
    pulse_round = services.open_quarter_round_if_due()
    assert pulse_round is not None
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there
    assert invitations.send_invitations(pulse_round.pk) == 0
    assert not PulseInvitation.objects.exists()

    settings.EMAIL_PORT = port
    assert invitations.send_invitations(pulse_round.pk) == 1
    assert smtp_backend.by_recipient() == {cmo.email: 1}


def test_the_task_closes_rounds_whose_last_day_passed_and_invites_to_none(
    smtp_backend, cmo
) -> None:
    last = Quarter.of(timezone.localdate()).previous
    past = services.create_round(
        quarter=last, opens_on=last.start, closes_on=last.end, opened_by=None
    )
    assert invitations.send_invitations(past.pk) == 0  # it takes no answers: no invitations
    _run_task()
    past.refresh_from_db()
    assert past.status == PulseRound.Status.CLOSED
    assert ModelLogEntry.objects.filter(action=services.ROUND_CLOSE).count() == 1
    assert smtp_backend.by_recipient() == {cmo.email: 1}  # this quarter's round only


def test_a_lead_opens_the_round_by_hand_and_both_sides_are_invited(
    smtp_backend, staff, cmo, django_capture_on_commit_callbacks
) -> None:
    closes = min(timezone.localdate() + timedelta(days=14), Quarter.of(timezone.localdate()).end)
    index = client_for(cmo).get(reverse("alignment_pulse_index")).content.decode()
    assert "Open this quarter's round" in index
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cmo).post(
            reverse("alignment_pulse_open"), {"closes_on": closes.isoformat()}
        )
    assert response.status_code == 302
    pulse_round = PulseRound.objects.get()
    assert (pulse_round.opens_on, pulse_round.closes_on) == (timezone.localdate(), closes)
    assert pulse_round.opened_by == cmo
    assert smtp_backend.by_recipient() == {address: 1 for address in staff}
    entry = ModelLogEntry.objects.get(action=services.ROUND_OPEN)
    assert entry.user_id == cmo.pk

    again = client_for(cmo).post(reverse("alignment_pulse_open"), {}, follow=True)
    assert "exists already" in again.content.decode()
    assert PulseRound.objects.count() == 1
    assert _run_task() == 0  # the task does not invite anyone a second time


@pytest.mark.parametrize("role", [roles.MARKETING_EDITOR, roles.IT_ADMINISTRATOR, roles.VIEWER])
def test_only_a_lead_opens_or_closes_a_round(role) -> None:
    client = client_for(UserFactory(roles=[role]))
    refused = client.post(reverse("alignment_pulse_open"), {})
    assert refused.status_code == 403
    assert "Only the Marketing Lead or the IT Lead may open a round." in refused.content.decode()
    assert not PulseRound.objects.exists()
    pulse_round = services.open_quarter_round_if_due()
    assert pulse_round is not None
    close = reverse("alignment_pulse_close", args=[pulse_round.quarter])
    refused = client.post(close)
    assert refused.status_code == 403
    assert "Only the Marketing Lead or the IT Lead may close a round." in refused.content.decode()
    pulse_round.refresh_from_db()
    assert pulse_round.status == PulseRound.Status.OPEN


@pytest.mark.parametrize(
    ("closes_on", "message"),
    [
        ("2019-01-01", "The round closes between today and the quarter"),
        ("2999-01-01", "The round closes between today and the quarter"),
        ("not a date", "Closes on: give a date such as 2026-12-31."),
        ("\x00", "Closes on: give a date such as 2026-12-31."),
        ("9" * 10_000, "Closes on: give a date such as 2026-12-31."),
    ],
)
def test_a_wrong_closing_day_is_named(cio, closes_on, message) -> None:
    response = client_for(cio).post(
        reverse("alignment_pulse_open"), {"closes_on": closes_on}, follow=True
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PulseRound.objects.exists()


def test_a_lead_closes_the_round_early_and_it_never_reopens(cio) -> None:
    pulse_round = services.open_quarter_round_if_due()
    assert pulse_round is not None
    client = client_for(cio)
    close = reverse("alignment_pulse_close", args=[pulse_round.quarter])
    assert client.post(close).status_code == 302
    pulse_round.refresh_from_db()
    assert pulse_round.status == PulseRound.Status.CLOSED
    assert pulse_round.closes_on == max(pulse_round.opens_on, timezone.localdate())
    assert "closed already" in client.post(close, follow=True).content.decode()
    index = client.get(reverse("alignment_pulse_index")).content.decode()
    assert "This quarter's round has closed" in index
    assert "Open this quarter's round" not in index
    assert services.open_quarter_round_if_due() is None  # not by the task either
    assert (
        "exists already"
        in client.post(reverse("alignment_pulse_open"), {}, follow=True).content.decode()
    )


def test_quarters() -> None:
    q4 = Quarter.parse("2026-Q4")
    assert (q4.start, q4.end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert str(q4.next) == "2027-Q1" and str(q4.previous) == "2026-Q3"
    assert Quarter.of(date(2026, 3, 31)) == Quarter(2026, 1)
    assert Quarter(2024, 1).end == date(2024, 3, 31)
    for wrong in ("2026-Q5", "2026Q1", "26-Q1", "2026-Q1 "):
        with pytest.raises(ValueError, match="not a quarter"):
            Quarter.parse(wrong)
