"""Review-meeting rows made through the services, as the admin makes them, and this
process's e-mail sent through the real SMTP server (the ``smtp_backend`` fixture)."""

from datetime import date, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from commonground.alignment.models import MeetingSeries
from commonground.alignment.reviews import services

from ..smtp_inbox import Inbox


def series_details(attendees: list[Any], **changes: Any) -> services.SeriesDetails:
    values: dict[str, Any] = {
        "name": "Marketing & IT review",
        "cadence": MeetingSeries.Cadence.FORTNIGHTLY,
        "first_date": timezone.localdate() + timedelta(days=3),
        "start_time": time(10, 0),
        "time_zone": "Europe/Berlin",
        "duration_minutes": 45,
        "location": "Room 2.14",
        "video_url": "https://meet.example.com/review",
        "organiser": attendees[0] if attendees else None,
        "attendees": attendees,
    }
    values.update(changes)
    return services.SeriesDetails(**values)


def a_series(lead: Any, attendees: list[Any], **changes: Any) -> MeetingSeries:
    return services.create_series(user=lead, details=series_details(attendees, **changes))


def series_form(people: list[Any], **changes: Any) -> dict[str, Any]:
    """What the series form posts (``people`` attend, the first organises)."""
    data: dict[str, Any] = {
        "name": "Marketing & IT review",
        "cadence": "fortnightly",
        "first_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "start_time": "10:00",
        "time_zone": "Europe/Berlin",
        "duration_minutes": "45",
        "location": "Room 2.14",
        "video_url": "https://meet.example.com/review",
        "organiser": str(people[0].pk) if people else "",
        "attendees": [str(person.pk) for person in people],
    }
    data.update(changes)
    return data


def past(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


@pytest.fixture(name="smtp_backend")
def smtp_backend_fixture(settings: Any, smtp: tuple[Inbox, int]) -> Inbox:
    inbox, port = smtp
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    return inbox
