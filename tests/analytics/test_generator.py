"""The traffic generator: exact counts, realistic shape, 30-minute visits, determinism."""

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from django.core.management import CommandError, call_command

from commonground.analytics.eventstore.duckdb import DuckDBEventStore
from commonground.analytics.eventstore.generator import generate_traffic

EVENTS = 200_000


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    path = tmp_path_factory.mktemp("gen") / "events.duckdb"
    written = generate_traffic(
        path=path, site="example.org", events=EVENTS, days=30, end_day=date(2025, 6, 30), seed=7,
        chunk_events=70_000,
    )  # fmt: skip
    assert written == EVENTS
    return duckdb.connect(str(path), read_only=True)


def one(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> object:
    row = con.execute(sql, list(params)).fetchone()
    assert row is not None
    return row[0]


def test_writes_exactly_n_events_inside_the_period(generated: duckdb.DuckDBPyConnection) -> None:
    count, first, last = (
        generated.execute("SELECT count(*), min(ts), max(ts) FROM events").fetchone() or ()
    )
    assert count == EVENTS
    assert datetime(2025, 6, 1) <= first < datetime(2025, 6, 2)
    assert datetime(2025, 6, 30) <= last < datetime(2025, 7, 1)


def test_weekdays_are_busier_than_weekends(generated: duckdb.DuckDBPyConnection) -> None:
    ratio = one(
        generated,
        "SELECT avg(n) FILTER (WHERE isodow(d) <= 5) / avg(n) FILTER (WHERE isodow(d) > 5) "
        "FROM (SELECT ts::DATE d, count(*) n FROM events GROUP BY 1)",
    )
    assert isinstance(ratio, float) and ratio > 1.2


def test_every_channel_brings_visits(generated: duckdb.DuckDBPyConnection) -> None:
    # A visit's channel is its entry pageview's; later pages are self-referrals ("direct").
    shares = dict(
        generated.execute(
            "SELECT channel, count(*) / sum(count(*)) OVER () FROM events WHERE name = 'pageview' "
            "AND NOT starts_with(referrer, 'https://example.org/') GROUP BY 1"
        ).fetchall()
    )
    assert set(shares) == {"search", "social", "email", "paid", "referral", "direct"}
    assert all(0.02 < share < 0.6 for share in shares.values())
    assert shares["search"] == max(shares.values())
    tagged = one(
        generated, "SELECT count(*) FROM events WHERE utm_medium = 'cpc' AND click_id = 'gclid'"
    )
    assert isinstance(tagged, int) and tagged > 0


def test_bounce_rate_is_realistic(generated: duckdb.DuckDBPyConnection) -> None:
    bounce = one(
        generated,
        "SELECT avg((n = 1)::INT) FROM (SELECT count(*) n FROM events WHERE name = 'pageview' "
        "GROUP BY session_id)",
    )
    assert isinstance(bounce, float) and 0.3 < bounce < 0.7


def test_no_visit_has_a_30_minute_gap(generated: duckdb.DuckDBPyConnection) -> None:
    longest = one(
        generated,
        "SELECT max(gap) FROM (SELECT ts - lag(ts) OVER (PARTITION BY session_id ORDER BY ts) gap "
        "FROM events)",
    )
    assert longest is not None and longest.total_seconds() < 30 * 60  # type: ignore[attr-defined]
    # A visitor's next visit starts only after 30 quiet minutes, as the mover would split it.
    overlap = one(
        generated,
        "SELECT count(*) FROM (SELECT visitor_id, session_id, min(ts) s, max(ts) e FROM events "
        "GROUP BY 1, 2) a JOIN (SELECT visitor_id, session_id, min(ts) s, max(ts) e FROM events "
        "GROUP BY 1, 2) b ON a.visitor_id = b.visitor_id AND a.session_id <> b.session_id "
        "AND b.s >= a.s AND b.s < a.e + INTERVAL 30 MINUTE",
    )
    assert overlap == 0
    repeat = one(
        generated,
        "SELECT count(*) - count(DISTINCT visitor_id) "
        "FROM (SELECT DISTINCT visitor_id, session_id FROM events)",
    )
    assert isinstance(repeat, int) and repeat > 0


def test_vitals_only_on_web_vitals_rows(generated: duckdb.DuckDBPyConnection) -> None:
    rows = dict(
        generated.execute(
            "SELECT name = 'Web Vitals', count(*) FILTER (WHERE lcp_ms IS NULL OR inp_ms IS NULL "
            "OR cls IS NULL OR ttfb_ms IS NULL) FROM events GROUP BY 1"
        ).fetchall()
    )
    others = one(
        generated,
        "SELECT count(*) FROM events "
        "WHERE name <> 'Web Vitals' AND coalesce(lcp_ms, inp_ms, cls, ttfb_ms) IS NOT NULL",
    )
    assert rows[True] == 0 and others == 0
    mobile, desktop = (
        one(
            generated,
            "SELECT median(lcp_ms) FROM events WHERE name = 'Web Vitals' AND device = ?",
            d,
        )
        for d in ("mobile", "desktop")
    )
    assert isinstance(mobile, float) and isinstance(desktop, float) and mobile > desktop


def test_goals_carry_props_and_revenue(generated: duckdb.DuckDBPyConnection) -> None:
    plans = {
        row[0]
        for row in generated.execute(
            "SELECT props['plan'] FROM events WHERE name = 'Signup'"
        ).fetchall()
    }
    assert plans == {"free", "team", "business"}
    revenue = one(
        generated,
        "SELECT min(revenue_amount) FROM events "
        "WHERE name = 'Purchase' AND revenue_currency = 'EUR'",
    )
    assert revenue in (29.0, 99.0)
    assert (
        one(
            generated,
            "SELECT count(*) FROM events WHERE name <> 'Purchase' AND revenue_amount IS NOT NULL",
        )
        == 0
    )
    assert one(generated, "SELECT min(least(visitor_id, session_id)) >= 0 FROM events") is True


def checksum(path: Path) -> tuple[object, ...]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.execute(
            "SELECT count(*), "
            "sum(hash(ts, name, visitor_id, session_id, pathname, channel, props)) FROM events"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return tuple(row)


def test_the_same_seed_gives_the_same_events(tmp_path: Path) -> None:
    sums = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        generate_traffic(
            path=tmp_path / f"{name}.duckdb", site="example.org", events=20_000, days=7,
            end_day=date(2025, 6, 30), seed=seed,
        )  # fmt: skip
        sums.append(checksum(tmp_path / f"{name}.duckdb"))
    assert sums[0] == sums[1] != sums[2]


def test_command_writes_into_the_given_store(tmp_path: Path) -> None:
    path = tmp_path / "cmd.duckdb"
    call_command(
        "analytics_generate", "--site", "example.org", "--events", "5000", "--days", "3",
        "--end-date", "2025-06-30", "--path", str(path),
    )  # fmt: skip
    assert checksum(path)[0] == 5000


def test_command_refuses_a_locked_store(tmp_path: Path) -> None:
    path = tmp_path / "locked.duckdb"
    store = DuckDBEventStore(path)
    try:
        import multiprocessing

        # DuckDB's file lock is per process: the rival must be another process.
        context = multiprocessing.get_context("spawn")
        with context.Pool(1) as pool:
            error = pool.apply(_generate_in_child, (str(path),))
        assert "locked" in error and "--path" in error
    finally:
        store.close()


def _generate_in_child(path: str) -> str:
    import django

    django.setup()
    try:
        call_command("analytics_generate", "--site", "x.org", "--events", "10", "--path", path)
    except CommandError as error:
        return str(error)
    return ""
