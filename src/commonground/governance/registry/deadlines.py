"""The review deadline: a number of working days (Monday to Friday) after submission.

The submission day itself never counts, so a request submitted on Friday (or over the
weekend) gets the following Monday as its first day. Public holidays are not known here;
a deadline that falls on one is a day early, never late.
"""

from datetime import date, timedelta

from django.conf import settings

SATURDAY = 5


def review_working_days() -> int:
    return int(getattr(settings, "GOVERNANCE_REVIEW_WORKING_DAYS", 10))


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start``."""
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < SATURDAY:
            left -= 1
    return current


def review_deadline(submitted_on: date) -> date:
    """The last day IT has to decide a request submitted on ``submitted_on``."""
    return add_working_days(submitted_on, review_working_days())


def is_overdue(review_due: date, today: date) -> bool:
    """Past the deadline: the deadline day itself is still in time."""
    return today > review_due


def working_days_between(start: date, end: date) -> int:
    """The working days after ``start`` up to ``end`` (included), as deadlines count them:
    0 for a request decided on its submission day (or over the weekend after a Friday)."""
    days = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if current.weekday() < SATURDAY:
            days += 1
    return days
