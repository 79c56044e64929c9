"""Per-source rate limits: 429 with Retry-After past the limit, per address (IPv6 per /64)."""

import pytest

from commonground.core.http.rate_limits import SourceLimiter

from .test_ingest import post

pytestmark = pytest.mark.django_db

EVENT = {"n": "pageview", "u": "https://example.com/", "d": "example.com"}


def send(address: str):
    return post(EVENT, REMOTE_ADDR=address)


def test_a_source_past_its_limit_gets_429_and_others_do_not(spool, settings) -> None:
    settings.ANALYTICS_RATE_LIMIT_PER_MINUTE = 3
    assert [send("203.0.113.5").status_code for _ in range(3)] == [202, 202, 202]
    refused = send("203.0.113.5")
    assert refused.status_code == 429
    assert refused.json()["field"] == "source"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["Access-Control-Allow-Origin"] == "*"
    assert send("203.0.113.6").status_code == 202


def test_limits_count_per_minute_and_ipv6_per_64() -> None:
    limiter = SourceLimiter(per_minute=2)
    t = 600.0  # the start of a minute
    assert limiter.retry_after("2001:db8:1:2::1", now=t) == 0
    assert limiter.retry_after("2001:db8:1:2:ffff::9", now=t + 1) == 0  # same /64
    assert limiter.retry_after("2001:db8:1:2::7", now=t + 15) == 45
    assert limiter.retry_after("2001:db8:1:3::1", now=t + 15) == 0  # another /64
    assert limiter.retry_after("2001:db8:1:2::1", now=t + 60) == 0  # a new minute


def test_zero_disables_the_limit() -> None:
    limiter = SourceLimiter(per_minute=0)
    assert all(limiter.retry_after("203.0.113.5", now=1.0) == 0 for _ in range(1000))
