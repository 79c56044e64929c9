"""Who may do what with review meetings: leads run series; those at the table record."""

from django.core.exceptions import PermissionDenied

from ..models import Action, MeetingSeries
from ..sides import User, led_party


def may_manage_series(user: User) -> bool:
    """Either lead creates and changes series."""
    return led_party(user) is not None


def may_record(user: User, series: MeetingSeries) -> bool:
    """Leads, the organiser and the attendees record minutes, decisions and actions."""
    if not user.is_authenticated:
        return False
    if led_party(user) is not None or series.organiser_id == user.pk:
        return True
    return series.attendees.filter(pk=user.pk).exists()


def may_complete(user: User, action: Action) -> bool:
    """Those who may record at its meeting, and the action's owner, mark it done."""
    if user.is_authenticated and action.owner_id == user.pk:
        return True
    return may_record(user, action.meeting.series)


def require_manage_series(user: User) -> None:
    if not may_manage_series(user):
        raise PermissionDenied("Only the Marketing Lead or the IT Lead may plan meeting series.")


def require_record(user: User, series: MeetingSeries) -> None:
    if not may_record(user, series):
        raise PermissionDenied(
            "Only the leads and the series' attendees may record minutes, decisions and actions."
        )
