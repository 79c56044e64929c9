"""Fixtures shared by the analytics tests: a spool with one tracked site, and an event store."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from commonground.analytics.eventstore.duckdb import DuckDBEventStore
from commonground.analytics.ingest import pipeline as ingest_module
from commonground.analytics.ingest import rate_limits as ratelimit
from commonground.analytics.ingest import sites
from commonground.analytics.models import TrackedSite


@pytest.fixture(autouse=True)
def fresh_site_snapshot() -> Iterator[None]:
    # A test's tracked sites vanish with its rolled-back transaction; so must the snapshot.
    # Per-source counts start afresh too: every test client request comes from 127.0.0.1.
    sites.forget()
    ratelimit._limiter = None
    yield
    sites.forget()
    ratelimit._limiter = None


@pytest.fixture
def spool(tmp_path: Path, settings, db) -> Iterator[Path]:
    """The spool directory, with example.com tracked."""
    settings.ANALYTICS_SPOOL_DIR = tmp_path / "spool"
    ingest_module.spool_writer.cache_clear()
    TrackedSite.objects.create(domain="example.com", name="Example")
    yield settings.ANALYTICS_SPOOL_DIR
    ingest_module.spool_writer().close()
    ingest_module.spool_writer.cache_clear()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DuckDBEventStore]:
    backend = DuckDBEventStore(tmp_path / "events.duckdb")
    backend.migrate()
    yield backend
    backend.close()
