"""Visitor ids: stable for a day, different the next, salts gone after 48 hours."""

from datetime import UTC, datetime, timedelta

import pytest

from commonground.analytics.ingest import visitors
from commonground.analytics.models import DailySalt

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _forget_cached_salts() -> None:
    # Each test's database is rolled back; a salt cached by an earlier test must not leak in.
    visitors._salt_cache.clear()


def vid(at: datetime, ip: str = "203.0.113.9", ua: str = "Mozilla/5.0 Test") -> int:
    return visitors.visitor_id(site="example.com", ip=ip, user_agent=ua, at=at)


def test_same_visitor_same_day_same_id() -> None:
    assert vid(MORNING) == vid(MORNING + timedelta(hours=15))


def test_next_day_gives_a_different_id() -> None:
    assert vid(MORNING) != vid(MORNING + timedelta(days=1))


def test_other_ip_agent_or_site_give_other_ids() -> None:
    base = vid(MORNING)
    assert vid(MORNING, ip="203.0.113.10") != base
    assert vid(MORNING, ua="Mozilla/5.0 Other") != base
    assert (
        visitors.visitor_id(
            site="other.org", ip="203.0.113.9", user_agent="Mozilla/5.0 Test", at=MORNING
        )
        != base
    )


def test_ids_fit_a_signed_64_bit_column() -> None:
    assert 0 <= vid(MORNING) < 2**63


def test_salts_are_random_per_day_and_stored_without_the_ip() -> None:
    vid(MORNING)
    vid(MORNING + timedelta(days=1))
    salts = list(DailySalt.objects.values_list("salt", flat=True))
    assert len(salts) == 2
    assert len({bytes(s) for s in salts}) == 2
    assert all(len(bytes(s)) == visitors.SALT_BYTES for s in salts)


def test_no_salt_older_than_48_hours_survives_the_cleanup() -> None:
    for days_ago in range(5):
        vid(MORNING - timedelta(days=days_ago))
    assert DailySalt.objects.count() == 5
    visitors.delete_expired_salts(now=MORNING)
    remaining = sorted(DailySalt.objects.values_list("day", flat=True))
    # Every remaining day began less than 48 hours before "now".
    for day in remaining:
        began = datetime(day.year, day.month, day.day, tzinfo=UTC)
        assert MORNING - began < timedelta(hours=48)
    assert MORNING.date() in remaining


def test_deleted_salt_is_not_reused_from_memory() -> None:
    before = vid(MORNING - timedelta(days=3))
    visitors.delete_expired_salts(now=MORNING)
    # A late event for that day gets a new random salt: the old id cannot be recomputed.
    assert vid(MORNING - timedelta(days=3)) != before
