"""The rules as functions: risk tier, review deadline, host validation."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from commonground.governance.registry.deadlines import (
    add_working_days,
    is_overdue,
    review_deadline,
    working_days_between,
)
from commonground.governance.registry.hosts import normalise_host
from commonground.governance.registry.risk import assess_risk


@pytest.mark.parametrize(
    ("data", "location", "dpa", "sso", "tier", "points"),
    [
        ("none", "other", False, True, "low", 0),  # no data: location and DPA do not matter
        ("none", "eu_eea", False, False, "low", 1),
        ("pseudonymous", "eu_eea", True, True, "low", 1),
        ("pseudonymous", "eu_eea", True, False, "medium", 2),
        ("pseudonymous", "other", False, False, "critical", 4),
        ("personal", "eu_eea", True, True, "medium", 2),
        ("personal", "eu_eea", False, True, "high", 3),
        ("personal", "other", True, True, "high", 3),
        ("personal", "other", False, True, "critical", 4),
        ("sensitive", "eu_eea", True, True, "high", 3),
        ("sensitive", "eu_eea", True, False, "critical", 4),
        ("sensitive", "other", False, False, "critical", 6),
    ],
)
def test_risk_tier(data: str, location: str, dpa: bool, sso: bool, tier: str, points: int) -> None:
    assessment = assess_risk(
        data_category=data, dpa_signed=dpa, single_sign_on=sso, data_location=location
    )
    assert (assessment.tier.value, assessment.points) == (tier, points)
    assert assessment.reason.startswith(f"{points} points: ")


def test_the_risk_reason_names_every_factor() -> None:
    reason = assess_risk(
        data_category="personal", dpa_signed=False, single_sign_on=False, data_location="other"
    ).reason
    assert "personal data (+2)" in reason
    assert "leaves the EU/EEA" in reason
    assert "no data-processing agreement" in reason
    assert "no single sign-on" in reason


@pytest.mark.parametrize(
    ("submitted", "due"),
    [
        (date(2025, 1, 6), date(2025, 1, 20)),  # Monday: two full weeks
        (date(2025, 1, 3), date(2025, 1, 17)),  # Friday: the weekend does not count
        (date(2025, 1, 4), date(2025, 1, 17)),  # Saturday: Monday is the first day
        (date(2025, 1, 5), date(2025, 1, 17)),  # Sunday
        (date(2025, 1, 27), date(2025, 2, 10)),  # across a month boundary
        (date(2024, 2, 22), date(2024, 3, 7)),  # across February of a leap year
        (date(2025, 12, 24), date(2026, 1, 7)),  # across the year
    ],
)
def test_the_review_deadline_is_ten_working_days(submitted: date, due: date) -> None:
    assert review_deadline(submitted) == due
    assert due.weekday() < 5


def test_review_working_days_setting(settings: pytest.FixtureRequest) -> None:
    settings.GOVERNANCE_REVIEW_WORKING_DAYS = 1  # type: ignore[attr-defined]
    assert review_deadline(date(2025, 1, 3)) == date(2025, 1, 6)


def test_overdue_only_after_the_deadline_day() -> None:
    assert not is_overdue(date(2025, 1, 17), date(2025, 1, 17))
    assert is_overdue(date(2025, 1, 17), date(2025, 1, 18))


def test_working_days_between_counts_back_what_add_working_days_adds() -> None:
    monday = date(2025, 1, 6)
    for start in (monday + timedelta(days=n) for n in range(7)):  # every weekday, weekend too
        for days in range(12):
            assert working_days_between(start, add_working_days(start, days)) == days
    friday = date(2025, 1, 10)
    assert working_days_between(friday, friday) == 0
    assert working_days_between(friday, friday + timedelta(days=2)) == 0  # Sunday
    assert working_days_between(friday, friday + timedelta(days=3)) == 1  # Monday


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("cdn.example.com", "cdn.example.com"),
        ("  CDN.Example.COM  ", "cdn.example.com"),
        ("cdn.example.com.", "cdn.example.com"),
        ("*.example.com", "*.example.com"),
        ("*.Example.co.uk", "*.example.co.uk"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("BÜCHER.example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("a-b.example.com", "a-b.example.com"),
    ],
)
def test_good_hosts_are_normalised(given: str, stored: str) -> None:
    assert normalise_host(given) == stored


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("", "Enter a host"),
        ("   ", "Enter a host"),
        ("cdn example.com", "spaces"),
        ("cdn.example.com\tx", "spaces"),
        ("https://cdn.example.com", "scheme"),
        ("http://cdn.example.com", "scheme"),
        ("//cdn.example.com", "path"),
        ("cdn.example.com/js/app.js", "path"),
        ("cdn.example.com?x=1", "path"),
        ("cdn.example.com:8443", "port"),
        ("user@cdn.example.com", "user name"),
        ("*", "wildcard"),
        ("*.com", "wildcard must be over a domain"),
        ("cdn.*.example.com", "wildcard"),
        ("cdn*.example.com", "wildcard"),
        ("**.example.com", "wildcard"),
        ("192.0.2.10", "IP address"),
        ("192.0.2.10:8080", "IP address"),
        ("2001:db8::1", "IP address"),
        ("[2001:db8::1]", "IP address"),
        ("localhost", "not a valid host"),
        ("-cdn.example.com", "not a valid host"),
        ("cdn_1.example.com", "not a valid host"),
        ("cdn..example.com", "not a valid host"),
        ("a" * 64 + ".example.com", "not a valid host"),
        ("1.2.3", "numeric"),
        ("exa\u200bmple.com", "not a valid host"),
        ("<script>.example.com", "not a valid host"),
    ],
)
def test_bad_hosts_are_refused_with_a_reason(given: str, says: str) -> None:
    with pytest.raises(ValidationError) as raised:
        normalise_host(given)
    assert says in " ".join(raised.value.messages)
