"""The catalogue's metrics from distribution, content and governance: each value equals the
number the source's own screen shows for the same period; and the catalogue's contract
(definitions, units, glossary terms, refusals naming the field). Analytics, which needs the
event store's mover, is in test_metric_sources_analytics.py."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page, PageLogEntry, Site, WorkflowState

from commonground.alignment.metrics import (
    Accumulation,
    Direction,
    MetricError,
    Period,
    Unit,
    all_metrics,
    compute,
    metric,
)
from commonground.alignment.models import GlossaryTerm
from commonground.analytics.eventstore import get_query_client
from commonground.analytics.models import Goal, TrackedSite
from commonground.core.audit.models import AuditEntry
from commonground.distribution.models import (
    Delivery,
    Dispatch,
    MailingList,
    Subscriber,
    Subscription,
)
from commonground.governance import public as governance_public
from commonground.governance.models import (
    ConsentTally,
    CspViolation,
    CspViolationReporter,
    SiteScan,
    TechnologyRequest,
)
from commonground.governance.registry import services as governance_services
from commonground.governance.registry.deadlines import add_working_days

from ..conftest import client_for
from ..content.factories import StandardPageFactory
from ..core.factories import UserFactory
from ..governance.factories import submitted_request

OUR_SOURCES = ("analytics", "distribution", "content", "governance")
OUR_KEYS = {
    "analytics.visitors",
    "analytics.visits",
    "analytics.pageviews",
    "analytics.bounce_rate",
    "analytics.visit_duration",
    "analytics.conversions",
    "analytics.conversion_rate",
    "analytics.revenue",
    "analytics.lcp_p75",
    "analytics.inp_p75",
    "analytics.cls_p75",
    "distribution.confirmed_subscribers",
    "distribution.newsletter_sends",
    "distribution.delivery_failure_rate",
    "distribution.unsubscribe_rate",
    "distribution.channel_visits",
    "content.pages_published",
    "content.approval_lead_time",
    "governance.open_requests",
    "governance.review_lead_time",
    "governance.overdue_requests",
    "governance.unapproved_hosts",
    "governance.csp_violations",
    "governance.consent_acceptance_rate",
    "governance.two_factor_share",
    "governance.audit_chain_intact",
}


def _today() -> date:
    return timezone.localdate()


def _last_days(days: int) -> Period:
    """The ``days`` days up to and including today."""
    return Period(_today() - timedelta(days=days - 1), _today())


def _ago(**delta: float) -> datetime:
    return timezone.now() - timedelta(**delta)


def _field_of(key: str, params: dict[str, str], period: Period | None = None) -> str:
    with pytest.raises(MetricError) as refused:
        compute(key, params, period or _last_days(7))
    assert refused.value.message, refused.value
    return refused.value.field


# --- the catalogue's contract ----------------------------------------------------------------


@pytest.mark.django_db
def test_every_metric_of_these_sources_is_registered_and_fully_described() -> None:
    ours = [d for d in all_metrics() if d.source in OUR_SOURCES]
    # Every metric of the catalogue links a term the seeded glossary holds.
    glossary_slugs = set(GlossaryTerm.objects.values_list("slug", flat=True))
    for definition in all_metrics():
        assert definition.glossary_term in glossary_slugs, definition.key

    assert {d.key for d in ours} == OUR_KEYS
    for definition in ours:
        assert len(definition.definition) > 40, definition.key
        assert definition.definition.endswith("."), definition.key
        assert isinstance(definition.unit, Unit)
        assert isinstance(definition.direction, Direction)
        assert isinstance(definition.accumulation, Accumulation)
        assert definition.glossary_term in glossary_slugs, definition.key
        assert len({p.name for p in definition.parameters}) == len(definition.parameters)


def test_units_directions_and_accumulations_say_what_the_numbers_are() -> None:
    expected = {
        "analytics.visitors": (Unit.COUNT, Direction.HIGHER, Accumulation.CUMULATIVE),
        "analytics.bounce_rate": (Unit.PERCENT, Direction.LOWER, Accumulation.LEVEL),
        "analytics.visit_duration": (Unit.SECONDS, Direction.HIGHER, Accumulation.LEVEL),
        "analytics.revenue": (Unit.MONEY, Direction.HIGHER, Accumulation.CUMULATIVE),
        "analytics.lcp_p75": (Unit.MILLISECONDS, Direction.LOWER, Accumulation.LEVEL),
        "analytics.cls_p75": (Unit.SCORE, Direction.LOWER, Accumulation.LEVEL),
        "distribution.confirmed_subscribers": (Unit.COUNT, Direction.HIGHER, Accumulation.LEVEL),
        "distribution.newsletter_sends": (Unit.COUNT, Direction.HIGHER, Accumulation.CUMULATIVE),
        "distribution.unsubscribe_rate": (Unit.PERCENT, Direction.LOWER, Accumulation.LEVEL),
        "content.pages_published": (Unit.COUNT, Direction.HIGHER, Accumulation.CUMULATIVE),
        "content.approval_lead_time": (Unit.HOURS, Direction.LOWER, Accumulation.LEVEL),
        "governance.open_requests": (Unit.COUNT, Direction.LOWER, Accumulation.LEVEL),
        "governance.review_lead_time": (Unit.WORKING_DAYS, Direction.LOWER, Accumulation.LEVEL),
        "governance.csp_violations": (Unit.COUNT, Direction.LOWER, Accumulation.CUMULATIVE),
        "governance.audit_chain_intact": (Unit.BOOLEAN, Direction.HIGHER, Accumulation.LEVEL),
    }
    for key, (unit, direction, accumulation) in expected.items():
        found = metric(key)
        assert (found.unit, found.direction, found.accumulation) == (unit, direction, accumulation)


@pytest.mark.django_db
def test_bad_settings_are_refused_naming_the_setting() -> None:
    site = TrackedSite.objects.create(domain="refusals.example", name="Refusals")
    Goal.objects.create(site=site, kind=Goal.Kind.EVENT, event_name="Signup", display_name="Signup")
    site_only = {"site": "refusals.example"}

    assert _field_of("analytics.visitors", {}) == "params.site"
    assert _field_of("analytics.visitors", {"site": "   "}) == "params.site"
    assert _field_of("analytics.visitors", {"site": "nowhere.example"}) == "params.site"
    assert _field_of("analytics.visitors", {**site_only, "colour": "red"}) == "params.colour"
    assert _field_of("analytics.conversions", site_only) == "params.goal"
    assert _field_of("analytics.conversions", {**site_only, "goal": "Nope"}) == "params.goal"
    for bad_filter in (
        "source",  # no value
        "=Newsletter",  # no dimension
        "colour=red",  # no such dimension
        "time:day=2026-01-01",  # time is chosen by the period
        "source=Google|",  # an empty alternative
        "source=\x00;" + "x" * 3000,  # NUL and far too long
        "source=Google;;nonsense",  # a bare word after the separator
    ):
        params = {**site_only, "filter": bad_filter}
        assert _field_of("analytics.visitors", params) == "params.filter", bad_filter
    assert _field_of("distribution.confirmed_subscribers", {"list": "12345"}) == "params.list"
    assert _field_of("distribution.newsletter_sends", {"list": "newsletter"}) == "params.list"
    assert _field_of("distribution.channel_visits", site_only) == "params.channel"
    assert (
        _field_of("distribution.channel_visits", {**site_only, "channel": "pigeon"})
        == "params.channel"
    )
    assert _field_of("distribution.delivery_failure_rate", {"channel": "x"}) == "params.channel"
    assert (
        _field_of("governance.consent_acceptance_rate", {"purpose": "necessary"})
        == "params.purpose"
    )
    assert _field_of("governance.two_factor_share", {"accounts": "robots"}) == "params.accounts"
    for odd in ("\x00", "\udcff", "x" * 10_000):
        assert _field_of("analytics.visitors", {"site": odd}) == "params.site"
        assert _field_of("analytics.revenue", {**site_only, "goal": odd}) == "params.goal"
        assert _field_of("distribution.confirmed_subscribers", {"list": odd}) == "params.list"
        assert _field_of("distribution.channel_visits", {**site_only, "channel": odd}) == (
            "params.channel"
        )
    assert _field_of("analytics.nonsense", {}) == "metric"


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(MetricError) as refused:
        Period(date(2026, 5, 2), date(2026, 5, 1))
    assert refused.value.field == "period"


@pytest.fixture
def store_down(settings: Any, tmp_path: Path) -> Any:
    settings.ANALYTICS_STORE_SOCKET = tmp_path / "nobody-serves-this.sock"
    get_query_client.cache_clear()
    yield
    get_query_client.cache_clear()


@pytest.mark.django_db
def test_an_unreachable_event_store_is_a_metric_error_not_a_crash(store_down: Any) -> None:
    TrackedSite.objects.create(domain="down.example", name="Down")

    for key in ("analytics.visitors", "analytics.lcp_p75"):
        with pytest.raises(MetricError) as refused:
            compute(key, {"site": "down.example"}, _last_days(7))
        assert refused.value.field == "metric"
        assert "event store" in refused.value.message


# --- distribution ------------------------------------------------------------------------------


def _subscription(
    mailing_list: MailingList,
    email: str,
    status: str,
    *,
    confirmed: datetime | None = None,
    unsubscribed: datetime | None = None,
) -> Subscription:
    subscriber = Subscriber.objects.create(email=email)
    return Subscription.objects.create(
        subscriber=subscriber,
        mailing_list=mailing_list,
        status=status,
        confirmed_at=confirmed,
        unsubscribed_at=unsubscribed,
    )


def _dispatch(
    page: Page, number: int, channel: str, *, started: datetime, lst: MailingList | None
) -> Dispatch:
    return Dispatch.objects.create(
        page=page,
        planned_channel_id=number,
        channel=channel,
        title=f"Send {number}",
        url="https://example.com/launch/",
        campaign="launch",
        mailing_list=lst,
        due_at=started,
        started_at=started,
        status=Dispatch.Status.DONE,
    )


def _deliveries(dispatch: Dispatch, *, sent: int, failed: int, sent_at: datetime) -> None:
    for n in range(sent):
        Delivery.objects.create(
            dispatch=dispatch,
            idempotency_key=f"{dispatch.pk}-s{n}",
            status=Delivery.Status.SENT,
            sent_at=sent_at,
        )
    for n in range(failed):
        Delivery.objects.create(
            dispatch=dispatch,
            idempotency_key=f"{dispatch.pk}-f{n}",
            status=Delivery.Status.FAILED,
            error="550 no such mailbox",
        )


@pytest.mark.django_db
def test_distribution_metrics_equal_the_delivery_view_and_the_lists(home: Page, it_admin) -> None:
    letters = MailingList.objects.create(name="Letters")
    other = MailingList.objects.create(name="Other")
    # Newsletter to Letters this week: 3 sent, 1 failed; LinkedIn this week: 2 posted, 1
    # failed; a newsletter 40 days ago: 2 sent (outside the period).
    this_week = _dispatch(home, 1, "newsletter", started=_ago(days=2), lst=letters)
    _deliveries(this_week, sent=3, failed=1, sent_at=_ago(days=2))
    linkedin = _dispatch(home, 2, "linkedin", started=_ago(days=1), lst=None)
    _deliveries(linkedin, sent=2, failed=1, sent_at=_ago(days=1))
    old = _dispatch(home, 3, "newsletter", started=_ago(days=40), lst=other)
    _deliveries(old, sent=2, failed=0, sent_at=_ago(days=40))
    client = client_for(it_admin)

    def progress(dispatch: Dispatch) -> dict[str, int]:
        answer = client.get(reverse("distribution_dispatch_progress", args=[dispatch.pk]))
        assert answer.status_code == 200
        counts: dict[str, int] = answer.json()["counts"]
        return counts

    week = _last_days(7)
    shown = [progress(this_week), progress(linkedin)]
    assert compute("distribution.newsletter_sends", {}, week) == progress(this_week)["sent"] == 3
    assert compute("distribution.newsletter_sends", {}, _last_days(60)) == 5
    assert compute("distribution.newsletter_sends", {"list": str(other.pk)}, week) == 0
    failed = sum(c["failed"] for c in shown)
    attempted = sum(c["failed"] + c["sent"] for c in shown)
    assert compute("distribution.delivery_failure_rate", {}, week) == round(
        Decimal(failed * 100) / attempted, 2
    )  # 2 of 7
    assert compute("distribution.delivery_failure_rate", {"channel": "linkedin"}, week) == Decimal(
        "33.33"
    )
    assert (
        compute(
            "distribution.delivery_failure_rate", {}, Period(date(2020, 1, 1), date(2020, 1, 31))
        )
        is None
    )


@pytest.mark.django_db
def test_subscribers_now_and_then_and_the_unsubscribe_rate(it_admin) -> None:
    letters = MailingList.objects.create(name="Letters")
    confirmed = Subscription.Status.CONFIRMED
    _subscription(letters, "long@example.com", confirmed, confirmed=_ago(days=100))
    _subscription(
        letters,
        "left@example.com",
        Subscription.Status.UNSUBSCRIBED,
        confirmed=_ago(days=20),
        unsubscribed=_ago(days=5),
    )
    _subscription(letters, "waiting@example.com", Subscription.Status.PENDING)
    _subscription(letters, "new@example.com", confirmed, confirmed=_ago(days=2))
    elsewhere = MailingList.objects.create(name="Elsewhere")
    _subscription(elsewhere, "other@example.com", confirmed, confirmed=_ago(days=50))

    listing = client_for(it_admin).get("/admin/newsletter/lists/")
    assert listing.status_code == 200
    html = listing.content.decode()
    shown = {
        name: int(count)
        for name, count in re.findall(
            r">\s*(Letters|Elsewhere)\s*<.*?<td[^>]*>\s*(\d+)\s*</td>", html, re.S
        )
    }
    assert shown == {"Letters": 2, "Elsewhere": 1}
    week = _last_days(7)
    assert compute("distribution.confirmed_subscribers", {"list": str(letters.pk)}, week) == 2
    assert compute("distribution.confirmed_subscribers", {}, week) == 3
    # At the end of a period 30 to 10 days ago: the long-standing one and the one who left
    # 5 days ago (the newest had not confirmed yet).
    then = Period(_today() - timedelta(days=30), _today() - timedelta(days=10))
    assert compute("distribution.confirmed_subscribers", {"list": str(letters.pk)}, then) == 2
    assert compute("distribution.confirmed_subscribers", {}, then) == 3
    # This week: 1 unsubscribed of the 3 who were confirmed at some moment of it.
    assert compute("distribution.unsubscribe_rate", {"list": str(letters.pk)}, week) == Decimal(
        "33.33"
    )
    assert compute("distribution.unsubscribe_rate", {}, week) == Decimal("25.00")


# --- content -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_published_counts_first_publications_only(home: Page) -> None:
    StandardPageFactory(parent=home, title="New one")
    StandardPageFactory(parent=home, title="New two")
    StandardPageFactory(parent=home, title="Draft", live=False)
    old = StandardPageFactory(parent=home, title="Old")
    Page.objects.filter(pk=old.pk).update(first_published_at=_ago(days=40))
    old.refresh_from_db()
    old.save_revision().publish()  # republished this week: still first published 40 days ago
    Page.objects.filter(pk=home.pk).update(first_published_at=_ago(days=40))

    week = _last_days(7)
    # Wagtail's own record: the pages whose earliest publication falls in the week.
    start = timezone.now() - timedelta(days=7)
    in_week = [
        p.title
        for p in Page.objects.filter(depth__gt=1).exclude(first_published_at__isnull=True)
        if p.first_published_at >= start
    ]
    assert sorted(in_week) == ["New one", "New two"]
    assert compute("content.pages_published", {}, week) == 2
    assert compute("content.pages_published", {}, _last_days(60)) == 4


def _approve_after(page: Page, hours: float, submitter: Any, moderator: Any) -> None:
    """Submit ``page`` to its moderation workflow ``hours`` ago, and approve it now."""
    page.save_revision(user=submitter)
    workflow = page.get_workflow()
    assert workflow is not None
    state = workflow.start(page, submitter)
    # Submitted earlier: the workflow's start and its history entry move back together.
    submitted = timezone.now() - timedelta(hours=hours)
    WorkflowState.objects.filter(pk=state.pk).update(created_at=submitted)
    PageLogEntry.objects.filter(page=page, action="wagtail.workflow.start").update(
        timestamp=submitted
    )
    state.refresh_from_db()
    assert state.current_task_state is not None
    state.current_task_state.approve(user=moderator)


@pytest.mark.django_db
def test_approval_lead_time_is_the_median_from_submission_to_publication(
    home: Page, editor, publisher
) -> None:
    slow = StandardPageFactory(parent=home, title="Slow", live=False)
    quick = StandardPageFactory(parent=home, title="Quick", live=False)
    direct = StandardPageFactory(parent=home, title="Direct", live=False)
    _approve_after(slow, 30, editor, publisher)
    _approve_after(quick, 10, editor, publisher)
    direct.save_revision(user=publisher).publish(user=publisher)  # no workflow: not counted

    # Wagtail's page history: the workflow's start, then the publication.
    hours = []
    for page in (slow, quick):
        history = PageLogEntry.objects.filter(page=page).order_by("timestamp")
        started = history.get(action="wagtail.workflow.start").timestamp
        published = history.get(action="wagtail.publish").timestamp
        hours.append((published - started).total_seconds() / 3600)
    assert [round(h) for h in hours] == [30, 10]

    value = compute("content.approval_lead_time", {}, _last_days(7))
    assert value == Decimal(repr(sum(hours) / 2)).quantize(Decimal("0.1")) == Decimal("20.0")
    assert (
        compute("content.approval_lead_time", {}, Period(date(2020, 1, 1), date(2020, 1, 2)))
        is None
    )


# --- governance --------------------------------------------------------------------------------


def _decided(
    request: TechnologyRequest, it_admin: Any, submitted: datetime, decided: datetime
) -> None:
    governance_services.decide(user=it_admin, request=request, approve=True, rationale="Fine.")
    TechnologyRequest.objects.filter(pk=request.pk).update(
        submitted_at=submitted, decided_at=decided
    )


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())


@pytest.mark.django_db
def test_requests_open_and_overdue_equal_the_requests_listing(editor, it_admin) -> None:
    on_time = submitted_request(editor, name="On time")
    late = submitted_request(editor, name="Late")
    TechnologyRequest.objects.filter(pk=late.pk).update(
        submitted_at=_ago(days=30), review_due=_today() - timedelta(days=3)
    )
    decided = submitted_request(editor, name="Decided")
    _decided(decided, it_admin, _ago(days=20), _ago(days=2))
    client = client_for(it_admin)

    listing = client.get(reverse("governance_requests"), {"status": "open"})
    assert listing.status_code == 200
    rows = list(listing.context["page_obj"])
    assert {r.pk for r in rows} == {on_time.pk, late.pk}
    week = _last_days(7)
    assert compute("governance.open_requests", {}, week) == len(rows) == 2
    assert compute("governance.overdue_requests", {}, week) == sum(r.overdue for r in rows) == 1
    assert listing.content.decode().count('data-overdue="true"') == 1
    # The agenda's requests are the same rows, so its counts cannot drift from the metric's.
    awaiting = governance_public.requests_awaiting_decision()
    assert {(r.id, r.overdue) for r in awaiting} == {(r.pk, bool(r.overdue)) for r in rows}
    # At the end of a period 10 to 5 days ago: the late one (overdue since 3 days ago, so
    # not yet) and the one decided 2 days ago were open; the newest was not submitted.
    then = Period(_today() - timedelta(days=10), _today() - timedelta(days=5))
    assert compute("governance.open_requests", {}, then) == 2
    assert compute("governance.overdue_requests", {}, then) == 0


@pytest.mark.django_db
def test_review_lead_time_counts_working_days_as_deadlines_do(editor, it_admin) -> None:
    monday = date(2026, 11, 2)
    friday = monday + timedelta(days=4)
    week_long = submitted_request(editor, name="Week long")
    _decided(week_long, it_admin, _at(monday), _at(friday, 16))  # Tue..Fri: 4
    over_weekend = submitted_request(editor, name="Over the weekend")
    _decided(over_weekend, it_admin, _at(friday), _at(friday + timedelta(days=3)))  # Mon: 1
    same_day = submitted_request(editor, name="Same day")
    _decided(same_day, it_admin, _at(monday), _at(monday, 15))  # 0
    outside = submitted_request(editor, name="Outside")
    _decided(outside, it_admin, _at(date(2026, 9, 1)), _at(date(2026, 10, 1)))

    assert add_working_days(monday, 4) == friday
    assert add_working_days(friday, 1) == friday + timedelta(days=3)
    november = Period(date(2026, 11, 1), date(2026, 11, 30))
    assert compute("governance.review_lead_time", {}, november) == Decimal("1.0")  # of 0, 1, 4
    assert (
        compute("governance.review_lead_time", {}, Period(date(2026, 12, 1), date(2026, 12, 1)))
        is None
    )


@pytest.mark.django_db
def test_unapproved_hosts_come_from_the_latest_finished_scan(it_admin) -> None:
    assert compute("governance.unapproved_hosts", {}, _last_days(7)) is None
    SiteScan.objects.create(
        started_at=_ago(days=9),
        finished_at=_ago(days=9),
        status="finished",
        hosts_found=6,
        unapproved_found=4,
    )
    latest_finished = SiteScan.objects.create(
        started_at=_ago(days=1),
        finished_at=_ago(days=1),
        status="finished",
        hosts_found=5,
        unapproved_found=2,
    )
    SiteScan.objects.create(started_at=_ago(hours=1), status="running", unapproved_found=0)

    # The report opens on the running scan; the latest finished one is a click away.
    report = client_for(it_admin).get(
        reverse("governance_scans:index"), {"scan": latest_finished.pk}
    )
    assert report.status_code == 200
    shown = report.context["scan"].unapproved_found
    assert f"<strong>{shown} not approved</strong>" in report.content.decode()
    assert compute("governance.unapproved_hosts", {}, _last_days(7)) == shown == 2
    then = Period(_today() - timedelta(days=30), _today() - timedelta(days=5))
    assert compute("governance.unapproved_hosts", {}, then) == 4


@pytest.mark.django_db
def test_csp_violations_equal_the_csp_findings_report(it_admin) -> None:
    site = Site.objects.get(is_default_site=True)

    def row(path: str, host: str, count: int, first: datetime, last: datetime) -> None:
        violation = CspViolation.objects.create(
            site=site,
            page_path=path,
            directive="script-src",
            blocked_host=host,
            enforced=True,
            count=count,
            first_seen=first,
            last_seen=last,
        )
        # Reported from three distinct addresses: a finding (one address's would not be).
        for address in ("a", "b", "c"):
            CspViolationReporter.objects.create(violation=violation, address_hash=address)

    row("/", "tracker.example", 5, _ago(days=30), _ago(days=1))
    row("/pricing/", "tracker.example", 2, _ago(days=3), _ago(days=3))
    row("/blog/", "ads.example", 9, _ago(days=40), _ago(days=20))

    report = client_for(it_admin).get(reverse("governance_csp_findings"), {"days": "7"})
    assert report.status_code == 200
    shown = sum(host.reports for host, _ in report.context["hosts"])
    assert compute("governance.csp_violations", {}, _last_days(7)) == shown == 7
    assert compute("governance.csp_violations", {}, _last_days(30)) == 16


@pytest.mark.django_db
def test_consent_acceptance_equals_the_consent_choices_report(it_admin) -> None:
    site = Site.objects.get(is_default_site=True)
    for days_ago, purpose, granted, declined in (
        (0, "analytics", 30, 10),
        (3, "analytics", 10, 10),
        (3, "marketing", 5, 15),
        (20, "marketing", 100, 0),  # outside the week
    ):
        ConsentTally.objects.create(
            site=site,
            day=_today() - timedelta(days=days_ago),
            purpose=purpose,
            granted=granted,
            declined=declined,
        )

    report = client_for(it_admin).get(reverse("governance_consent_choices"), {"days": "7"})
    assert report.status_code == 200
    shares = {s.purpose: s for s in report.context["shares"]}
    week = _last_days(7)
    for purpose in ("analytics", "marketing"):
        shown = shares[purpose]
        value = compute("governance.consent_acceptance_rate", {"purpose": purpose}, week)
        assert value == round(Decimal(shown.granted * 100) / (shown.granted + shown.declined), 2)
    assert compute("governance.consent_acceptance_rate", {}, week) == Decimal("56.25")  # 45/80
    assert (
        compute(
            "governance.consent_acceptance_rate", {}, Period(date(2020, 1, 1), date(2020, 1, 1))
        )
        is None
    )


@pytest.mark.django_db
def test_two_factor_share_is_the_security_posture_pages(it_admin, editor) -> None:
    UserFactory(roles=["IT Administrator"])  # without an authenticator
    page = client_for(it_admin).get(reverse("governance_security_posture"))
    assert page.status_code == 200
    check = next(c for c in page.context["checks"] if c.title == "Two-factor sign-in")
    covered, users = map(int, re.match(r"(\d+) of (\d+) admin users", check.found).groups())

    week = _last_days(7)
    assert compute("governance.two_factor_share", {}, week) == Decimal("50.00")  # 1 of 2 IT
    assert compute("governance.two_factor_share", {"accounts": "admin_users"}, week) == round(
        Decimal(covered * 100) / users, 2
    )


@pytest.mark.django_db
def test_audit_chain_intact_is_what_audit_verify_says(editor) -> None:
    submitted_request(editor, name="Logged")  # writes audit entries
    week = _last_days(7)
    assert compute("governance.audit_chain_intact", {}, week) == 1

    newest = AuditEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET actor = %s WHERE sequence = %s", ["mallory", newest]
        )
    assert compute("governance.audit_chain_intact", {}, week) == 0
