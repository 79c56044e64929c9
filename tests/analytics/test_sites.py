"""The per-process snapshot of tracked sites follows every change, even across a cache clear."""

import uuid

import pytest
from django.core.cache import cache

from commonground.analytics import sites
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


def test_a_change_made_elsewhere_reaches_this_process_through_the_cache() -> None:
    TrackedSite.objects.create(domain="example.com", name="Example")
    assert sites.known_domains() == {"example.com"}
    # Another process adds a site: only the shared token tells this one.
    website = uuid.uuid4()
    TrackedSite.objects.bulk_create(
        [TrackedSite(domain="shop.example.org", name="Shop", umami_website_id=website)]
    )
    assert sites.known_domains() == {"example.com"}  # bulk_create sends no signal
    cache.set(sites.GENERATION_KEY, "another process's token", None)
    assert sites.known_domains() == {"example.com", "shop.example.org"}
    assert sites.domain_for_umami_website(website) == "shop.example.org"


def test_a_cleared_cache_never_brings_an_old_token_back() -> None:
    # A process that loaded under the first token must see the second change even when the
    # cache was cleared in between (a counter would have started again at the same value).
    TrackedSite.objects.create(domain="example.com", name="Example")
    first = cache.get(sites.GENERATION_KEY)
    cache.clear()
    TrackedSite.objects.create(domain="example.org", name="Other")
    second = cache.get(sites.GENERATION_KEY)
    assert first and second and first != second
