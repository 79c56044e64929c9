"""The page cache on Redis (CACHE_URL=redis://...): hits, and invalidation on publish."""

import shutil
from collections.abc import Iterator

import pytest
from django.core.cache import caches
from django.test import Client, override_settings
from redis import Redis

from commonground.core.pages import page_cache

from ..content.factories import StandardPageFactory
from ..processes import Process, free_port, wait_for
from .test_page_cache import publish_paragraph

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("redis-server") is None, reason="Debian's redis-server is not installed"
    ),
]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    directory = tmp_path_factory.mktemp("redis")
    server = Process(
        "redis",
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        env={},
        log_dir=directory,
    )
    try:
        wait_for(lambda: _pings(port), timeout=15)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.stop()


def _pings(port: int) -> bool:
    try:
        return bool(Redis(host="127.0.0.1", port=port, socket_timeout=0.5).ping())
    except OSError:
        return False
    except Exception:  # redis.ConnectionError while the server starts
        return False


@pytest.fixture
def redis_cache(redis_url: str, settings) -> Iterator[None]:
    default = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": redis_url}
    with override_settings(CACHES={**settings.CACHES, "default": default}):
        caches["default"].clear()
        yield
        caches["default"].clear()


@pytest.mark.django_db
def test_pages_are_cached_in_redis_and_invalidated_on_publish(
    home, redis_cache, django_capture_on_commit_callbacks
) -> None:
    page = StandardPageFactory(parent=home, title="Redis-backed page")
    client = Client()
    assert client.get(page.url)["X-Cache"] == "MISS"
    assert client.get(page.url)["X-Cache"] == "HIT"
    key = page_cache.cache_key_for(client.get(page.url).wsgi_request)
    assert key is not None
    assert caches["default"].get(key) is not None, "the entry is not in Redis"

    for round_number in range(3):
        text = f"Redis round {round_number}"
        # Invalidation runs when the publish commits.
        with django_capture_on_commit_callbacks(execute=True):
            publish_paragraph(page, text)
        response = client.get(page.url)
        assert response["X-Cache"] == "MISS"
        assert text in response.content.decode()
        assert client.get(page.url)["X-Cache"] == "HIT"


@pytest.mark.django_db
def test_unrelated_pages_stay_cached_in_redis(
    home, redis_cache, django_capture_on_commit_callbacks
) -> None:
    # Below the top level: a top-level page is in the navigation, which every page shows.
    section = StandardPageFactory(parent=home, title="Section")
    changed = StandardPageFactory(parent=section, title="Changed")
    untouched = StandardPageFactory(parent=section, title="Untouched")
    client = Client()
    for page in (changed, untouched):
        client.get(page.url)
    with django_capture_on_commit_callbacks(execute=True):
        publish_paragraph(changed, "New words")
    assert client.get(untouched.url)["X-Cache"] == "HIT"
    assert client.get(changed.url)["X-Cache"] == "MISS"
