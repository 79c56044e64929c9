"""The DuckDB backend's schema and its SQL: the migrations (append-only), the one
definition of a visit's row from its events, the open visits' view and its pinned cutoff,
closing visits and the daily rollups. Constant SQL only: every value is a bound parameter."""

from .base import PAGEVIEW_PATH, ROLLUP_EVENT_COLUMNS, ROLLUP_VISIT_COLUMNS

# A visit's row, from its events: the one definition of every visit column, used by the
# visits_all view, by close_visits and (through close_visits) by the traffic generator, so
# the rules cannot drift apart. ``{where}`` picks the events and ``{having}`` the visits;
# ``{rows}`` is a plain time range holding every first event, where they are looked up
# (``{where}`` again would run its subqueries twice). All three are filled with constant SQL
# only (values are bound parameters). Changing a rule means a new migration that replaces
# visits_all and decides what becomes of the rows already in visits.
#
# A visit is (site, session_id). Its events are ordered by ts, ties by the order they were
# stored (rowid): one HUGEINT, event_order, holds both. "First" and "last" are in that
# order; the entry page is the first pageview's path, or the first event's when the visit
# has no pageview (2**120 added to other events' order puts every pageview first, and the
# exit page mirrors it). Only numbers and two paths are aggregated; the first event's
# columns are then fetched by its row. About 4x faster than an arg_min per column, whose
# string states dominated (1M events into 280,000 visits: 2.7 s against 11.6 s, measured
# on a shared machine).
_VISITS_FROM_EVENTS = """
WITH visit_events AS (
    SELECT *, rowid AS event_row, (epoch_us(ts)::HUGEINT << 64) + rowid AS event_order
    FROM events
    WHERE {where}
),
first_events AS (SELECT *, rowid AS event_row FROM events WHERE {rows}),
visit AS (
    SELECT
        site,
        session_id,
        arg_min(event_row, event_order) AS first_row,
        min(ts) AS started_at,
        max(ts) AS ended_at,
        arg_min(
            pathname, event_order + CASE WHEN name = 'pageview' THEN 0 ELSE 1::HUGEINT << 120 END
        ) AS entry_page,
        arg_max(
            pathname, event_order - CASE WHEN name = 'pageview' THEN 0 ELSE 1::HUGEINT << 120 END
        ) AS exit_page,
        (count(*) FILTER (WHERE name = 'pageview'))::INTEGER AS pageviews,
        count(*)::INTEGER AS events,
        count(*) FILTER (WHERE interactive AND name <> 'pageview') AS interactions
    FROM visit_events
    GROUP BY site, session_id
    HAVING {having}
)
SELECT
    visit.site,
    visit.session_id,
    first.visitor_id,
    visit.started_at,
    visit.ended_at,
    first.hostname,
    visit.entry_page,
    visit.exit_page,
    visit.pageviews,
    visit.events,
    visit.pageviews <= 1 AND visit.interactions = 0 AS is_bounce,
    (epoch_us(visit.ended_at) - epoch_us(visit.started_at)) / 1e6 AS duration_s,
    first.referrer,
    first.referrer_source,
    first.channel,
    first.utm_source,
    first.utm_medium,
    first.utm_campaign,
    first.utm_term,
    first.utm_content,
    first.click_id,
    first.country,
    first.region,
    first.device,
    first.browser,
    first.browser_version,
    first.os,
    first.os_version
FROM visit JOIN first_events AS first ON first.event_row = visit.first_row
"""

_CLOSED_THROUGH = "(SELECT closed_through FROM visit_state)"
# Visits not closed yet: those with an event at or after closed_through. A visit lies within
# one UTC day, so all its events are in the day before that; only the open visits' events
# are aggregated (the semi-join), not the whole day's, as every visit query reads this.
_OPEN_VISITS = _VISITS_FROM_EVENTS.format(
    where=f"ts >= {_CLOSED_THROUGH} - INTERVAL 1 DAY AND (site, session_id) IN "  # noqa: S608
    f"(SELECT site, session_id FROM events WHERE ts >= {_CLOSED_THROUGH})",
    having=f"max(ts) >= {_CLOSED_THROUGH}",
    rows=f"ts >= {_CLOSED_THROUGH} - INTERVAL 1 DAY",
)

# The same, from version 4 on, with the cutoff read from a session variable that every read
# pins in its own transaction (pinned_read) instead of the subquery above: DuckDB folds
# getvariable() into a constant, so the events' zone maps prune the scan, while a subquery
# becomes a join over every event once the query filters visits_all (10M events: 430 ms
# against 15 ms for the totals of 30 days). Unpinned, a read fails instead of leaving the open
# visits out.
CUTOFF_VARIABLE = "visits_closed_through"
_PINNED_CUTOFF = (
    f"(CASE WHEN getvariable('{CUTOFF_VARIABLE}') IS NULL "
    "THEN error('visits_all is read through pinned_read, which pins its cutoff') "
    f"ELSE getvariable('{CUTOFF_VARIABLE}') END)::TIMESTAMP"
)
_OPEN_VISITS_PINNED = _VISITS_FROM_EVENTS.format(
    where=f"ts >= {_PINNED_CUTOFF} - INTERVAL 1 DAY AND (site, session_id) IN "  # noqa: S608
    f"(SELECT site, session_id FROM events WHERE ts >= {_PINNED_CUTOFF})",
    having=f"max(ts) >= {_PINNED_CUTOFF}",
    rows=f"ts >= {_PINNED_CUTOFF} - INTERVAL 1 DAY",
)

PIN_CUTOFF_SQL = f"SET VARIABLE {CUTOFF_VARIABLE} = (SELECT closed_through FROM visit_state)"  # noqa: S608


# Daily rollups (see ROLLUP_VISIT_COLUMNS) of the (site, UTC day) pairs that {todo} selects:
# every visit of such a day is closed. One pass per table: GROUPING SETS gives the day's
# totals and one row per value of each column. Filled with constant SQL only.
def _grouped(columns: tuple[str, ...]) -> tuple[str, str, str]:
    dimension = " ".join(f"WHEN grouping({c}) = 0 THEN '{c}'" for c in columns)
    sets = ", ".join(["(site, day)", *(f"(site, day, {c})" for c in columns)])
    return f"CASE {dimension} ELSE '' END", f"coalesce({', '.join(columns)}, '')", sets


_VISIT_DIMENSION, _VISIT_VALUE, _VISIT_SETS = _grouped(ROLLUP_VISIT_COLUMNS)
_EVENT_DIMENSION, _EVENT_VALUE, _EVENT_SETS = _grouped(ROLLUP_EVENT_COLUMNS)
_ROLL_UP_SQL = (
    f"""INSERT INTO daily_visits
SELECT site, day, {_VISIT_DIMENSION}, {_VISIT_VALUE},
    count(DISTINCT visitor_id), count(*), sum(pageviews), count(*) FILTER (WHERE is_bounce),
    sum(duration_s), sum(events)
FROM (SELECT *, CAST(started_at AS DATE) AS day FROM visits WHERE {{visits_window}}) AS v
WHERE (site, day) IN (SELECT site, day FROM ({{todo}}))
GROUP BY GROUPING SETS ({_VISIT_SETS})""",  # noqa: S608 - constant SQL
    f"""INSERT INTO daily_events
WITH e AS (
    SELECT *, CAST(ts AS DATE) AS day FROM events
    WHERE {{events_window}} AND (site, CAST(ts AS DATE)) IN (SELECT site, day FROM ({{todo}}))
)
SELECT site, day, {_EVENT_DIMENSION}, {_EVENT_VALUE},
    count(DISTINCT visitor_id), count(DISTINCT session_id),
    count(*) FILTER (WHERE name = 'pageview'), count(*), coalesce(sum(revenue_amount), 0)
FROM e GROUP BY GROUPING SETS ({_EVENT_SETS})
UNION ALL
SELECT site, day, '{PAGEVIEW_PATH}', pathname, count(DISTINCT visitor_id),
    count(DISTINCT session_id), count(*), count(*), 0
FROM e WHERE name = 'pageview' GROUP BY site, day, pathname""",  # noqa: S608
    "INSERT INTO rolled_days SELECT site, day FROM ({todo})",
)
# Days of closed visits in a window that are not rolled up yet, ending before $through.
_DAYS_TO_ROLL = (
    "SELECT DISTINCT site, CAST(started_at AS DATE) AS day FROM visits "
    "WHERE started_at >= $day_start AND CAST(started_at AS DATE) < CAST($through AS DATE) "
    "EXCEPT SELECT site, day FROM rolled_days"
)
ROLL_UP_CLOSED_DAYS = tuple(
    sql.format(
        todo=_DAYS_TO_ROLL,
        visits_window="started_at >= $day_start",
        events_window="ts >= $day_start",
    )
    for sql in _ROLL_UP_SQL
)

# Append-only list: each entry is one schema version, applied in order, never edited.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE events (
        site VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL,
        name VARCHAR NOT NULL,
        visitor_id BIGINT NOT NULL,
        session_id BIGINT NOT NULL,
        hostname VARCHAR NOT NULL,
        pathname VARCHAR NOT NULL,
        referrer VARCHAR NOT NULL,
        referrer_source VARCHAR NOT NULL,
        channel VARCHAR NOT NULL,
        utm_source VARCHAR NOT NULL,
        utm_medium VARCHAR NOT NULL,
        utm_campaign VARCHAR NOT NULL,
        utm_term VARCHAR NOT NULL,
        utm_content VARCHAR NOT NULL,
        click_id VARCHAR NOT NULL,
        country VARCHAR NOT NULL,
        region VARCHAR NOT NULL,
        browser VARCHAR NOT NULL,
        browser_version VARCHAR NOT NULL,
        os VARCHAR NOT NULL,
        os_version VARCHAR NOT NULL,
        device VARCHAR NOT NULL,
        props MAP(VARCHAR, VARCHAR) NOT NULL,
        revenue_amount DOUBLE,
        revenue_currency VARCHAR NOT NULL,
        interactive BOOLEAN NOT NULL,
        lcp_ms DOUBLE,
        inp_ms DOUBLE,
        cls DOUBLE,
        ttfb_ms DOUBLE
    );
    CREATE TABLE spool_checkpoints (segment VARCHAR PRIMARY KEY, byte_offset BIGINT NOT NULL);
    """,
    # Visits: closed ones stored (closed: every event before closed_through), open ones
    # computed from events by the view. The source, location and device columns are those of
    # the visit's first event.
    """
    CREATE TABLE visits (
        site VARCHAR NOT NULL,
        session_id BIGINT NOT NULL,
        visitor_id BIGINT NOT NULL,
        started_at TIMESTAMP NOT NULL,
        ended_at TIMESTAMP NOT NULL,
        hostname VARCHAR NOT NULL,
        entry_page VARCHAR NOT NULL,
        exit_page VARCHAR NOT NULL,
        pageviews INTEGER NOT NULL,
        events INTEGER NOT NULL,
        is_bounce BOOLEAN NOT NULL,
        duration_s DOUBLE NOT NULL,
        referrer VARCHAR NOT NULL,
        referrer_source VARCHAR NOT NULL,
        channel VARCHAR NOT NULL,
        utm_source VARCHAR NOT NULL,
        utm_medium VARCHAR NOT NULL,
        utm_campaign VARCHAR NOT NULL,
        utm_term VARCHAR NOT NULL,
        utm_content VARCHAR NOT NULL,
        click_id VARCHAR NOT NULL,
        country VARCHAR NOT NULL,
        region VARCHAR NOT NULL,
        device VARCHAR NOT NULL,
        browser VARCHAR NOT NULL,
        browser_version VARCHAR NOT NULL,
        os VARCHAR NOT NULL,
        os_version VARCHAR NOT NULL
    );
    CREATE TABLE visit_state (closed_through TIMESTAMP NOT NULL);
    INSERT INTO visit_state VALUES ('1970-01-01');
    CREATE VIEW visits_all AS
    SELECT * FROM visits
    UNION ALL
    SELECT * FROM (
    """  # noqa: S608 - constant SQL
    + _OPEN_VISITS
    + ");",
    # Daily rollups, and those of every day already closed when this version is applied.
    """
    CREATE TABLE daily_visits (
        site VARCHAR NOT NULL, day DATE NOT NULL, dimension VARCHAR NOT NULL,
        value VARCHAR NOT NULL, visitors BIGINT NOT NULL, visits BIGINT NOT NULL,
        pageviews BIGINT NOT NULL, bounces BIGINT NOT NULL, duration DOUBLE NOT NULL,
        events BIGINT NOT NULL
    );
    CREATE TABLE daily_events (
        site VARCHAR NOT NULL, day DATE NOT NULL, dimension VARCHAR NOT NULL,
        value VARCHAR NOT NULL, visitors BIGINT NOT NULL, visits BIGINT NOT NULL,
        pageviews BIGINT NOT NULL, events BIGINT NOT NULL, revenue DOUBLE NOT NULL
    );
    CREATE TABLE rolled_days (site VARCHAR NOT NULL, day DATE NOT NULL);
    """  # noqa: S608 - constant SQL
    + ";\n".join(
        sql.format(
            todo="SELECT DISTINCT site, CAST(started_at AS DATE) AS day FROM visits WHERE "
            "CAST(started_at AS DATE) < (SELECT CAST(closed_through AS DATE) FROM visit_state)",
            visits_window="true",
            events_window="true",
        )
        for sql in _ROLL_UP_SQL
    ),
    # The open visits' cutoff pinned by each read (see _PINNED_CUTOFF); same rows as before.
    "CREATE OR REPLACE VIEW visits_all AS SELECT * FROM visits UNION ALL SELECT * FROM ("  # noqa: S608
    + _OPEN_VISITS_PINNED
    + ");",
)

# Sessions whose events all lie before $through and that are not in visits yet. A visit that
# was written already started at most a day before the window (it lies within one UTC day),
# so the anti-join reads only visits from then on. Candidates are found from three columns;
# only theirs are aggregated.
CLOSE_VISITS_SQL = (
    "INSERT INTO visits SELECT * FROM ("  # noqa: S608 - constant SQL
    + _VISITS_FROM_EVENTS.format(
        where="ts >= $window_start AND ts < $through AND (site, session_id) IN ("
        "SELECT site, session_id FROM events WHERE ts >= $window_start "
        "GROUP BY site, session_id HAVING max(ts) < $through "
        "EXCEPT SELECT site, session_id FROM visits WHERE started_at >= $known_since)",
        having="max(ts) < $through",
        rows="ts >= $window_start AND ts < $through",
    )
    # In time order, like the events: zone maps then prune visits by started_at too.
    + ") ORDER BY started_at, site, session_id"
)
