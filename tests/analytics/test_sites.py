"""The per-process snapshot of tracked sites follows every change, even across a cache clear."""

import time
import uuid
from pathlib import Path

import pytest

from commonground.analytics.ingest import sites
from commonground.analytics.models import TrackedSite

# Committed transactions, so on_commit fires; the serialised rollback keeps the live tests
# that follow supplied with content types and permissions.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_new_site_is_known_on_the_next_question() -> None:
    assert not sites.is_tracked("example.com")
    TrackedSite.objects.create(domain="example.com", name="Example")
    assert sites.is_tracked("www.Example.com")
    assert sites.site_for_host("example.com:8443") is not None
    assert sites.site_for_host("not a host!") is None


def test_a_change_made_elsewhere_reaches_this_process_through_the_stamp(settings) -> None:
    TrackedSite.objects.create(domain="example.com", name="Example")
    assert sites.known_domains() == {"example.com"}
    # Another process adds a site: only the stamp file tells this one.
    website = uuid.uuid4()
    TrackedSite.objects.bulk_create(
        [TrackedSite(domain="shop.example.org", name="Shop", umami_website_id=website)]
    )
    assert sites.known_domains() == {"example.com"}  # bulk_create sends no signal
    with open(settings.ANALYTICS_SITES_STAMP, "ab") as stamp:
        stamp.write(b".")
    time.sleep(sites.STAMP_CHECK_SECONDS)
    assert sites.known_domains() == {"example.com", "shop.example.org"}
    assert sites.domain_for_umami_website(website) == "shop.example.org"


def test_every_change_grows_the_stamp(settings) -> None:
    # A process compares the stamp's size with the one it loaded under: it must never repeat.
    stamp = Path(settings.ANALYTICS_SITES_STAMP)
    before = stamp.stat().st_size if stamp.exists() else 0
    site = TrackedSite.objects.create(domain="example.com", name="Example")
    site.name = "Renamed"
    site.save()
    site.delete()
    assert stamp.stat().st_size == before + 3
