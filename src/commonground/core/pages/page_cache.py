"""The anonymous page cache: serve hits before sessions and auth, store tagged misses.

A response is stored only when a Wagtail page was served (the ``before_serve_page`` hook
marks the request) and the response is public: 200, no cookies set, not private. While the
page renders, template tags and page code record dependency tags (``page:12``,
``image:3``, ``nav``...) through :func:`depends_on`; invalidation deletes every entry that
carries a changed object's tag, so exactly the affected pages are re-rendered.
"""

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from ..models import PageCacheEntry, PageCacheTag

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"
# Query parameters that never change what a page shows; dropped from the key so campaign
# traffic shares one cache entry per page.
IGNORED_QUERY_PARAMS = frozenset(
    {
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "utm_id",
        "gclid",
        "fbclid",
        "msclkid",
        "dclid",
        "mc_cid",
        "mc_eid",
        "ref",
    }
)
_STORED_HEADERS = frozenset({"content-type", "content-language", "link", "x-robots-tag"})

_collector: ContextVar[set[str] | None] = ContextVar("page_cache_tags", default=None)


def depends_on(*tags: str) -> None:
    """Record that the response being rendered shows the objects named by ``tags``."""
    collected = _collector.get()
    if collected is not None:
        collected.update(tags)


def mark_cacheable(request: HttpRequest) -> None:
    request._page_cache_ok = True  # type: ignore[attr-defined]


def page_tag(page_id: int) -> str:
    return f"page:{page_id}"


def _cache() -> BaseCache:
    return caches[getattr(settings, "PAGE_CACHE_ALIAS", "default")]


def cache_key_for(request: HttpRequest) -> str | None:
    """The cache key for an anonymous GET, or None when the request must not use the cache."""
    if request.method not in ("GET", "HEAD"):
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None  # signed-in users (and anyone with a session) always get a fresh render
    query = [
        (k, v)
        for k, v in parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
        if k not in IGNORED_QUERY_PARAMS
    ]
    try:
        host = request.get_host()
    except Exception:  # DisallowedHost: let the normal stack answer with its 400
        return None
    raw = f"{request.scheme}://{host}{request.path}?{urlencode(sorted(query))}"
    return "pagecache:" + hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()[:48]


def _generation() -> str | None:
    """A token that changes on every invalidation; never reused, so a cleared cache is safe."""
    token: str | None = _cache().get(GENERATION_KEY)
    return token


def _is_storable(request: HttpRequest, response: HttpResponseBase) -> bool:
    if not getattr(request, "_page_cache_ok", False) or request.method != "GET":
        return False
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False  # the page embeds this visitor's CSRF token (a form)
    cache_control = response.get("Cache-Control", "")
    return "private" not in cache_control and "no-store" not in cache_control


def _store(
    key: str, request: HttpRequest, response: HttpResponse, tags: set[str], generation: str | None
) -> None:
    headers = [(k, v) for k, v in response.items() if k.lower() in _STORED_HEADERS]
    timeout = settings.PAGE_CACHE_TIMEOUT
    cache = _cache()
    cache.set(key, (response.status_code, headers, response.content), timeout)
    url = request.build_absolute_uri()[:2048]
    try:
        with transaction.atomic():
            entry, _ = PageCacheEntry.objects.update_or_create(key=key, defaults={"url": url})
            entry.tags.all().delete()
            PageCacheTag.objects.bulk_create(
                [PageCacheTag(entry=entry, tag=tag[:120]) for tag in sorted(tags)]
            )
    except DatabaseError:
        # Without its tag index an entry could not be invalidated: drop it.
        logger.exception("page cache: could not index %s; not caching it", url)
        cache.delete(key)
        return
    if _generation() != generation:
        # Something was invalidated while this page rendered: the render may predate it.
        cache.delete(key)


class PageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        if not settings.PAGE_CACHE_ENABLED:
            raise MiddlewareNotUsed("PAGE_CACHE_ENABLED is off")
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        key = cache_key_for(request)
        if key is None:
            return self.get_response(request)
        cached = _cache().get(key)
        if cached is not None:
            status, headers, body = cached
            response = HttpResponse(b"" if request.method == "HEAD" else body, status=status)
            for name, value in headers:
                response[name] = value
            response["Content-Length"] = str(len(body))
            response["X-Cache"] = "HIT"
            return response
        generation = _generation()
        token = _collector.set(set())
        try:
            rendered = self.get_response(request)
            tags = _collector.get() or set()
        finally:
            _collector.reset(token)
        if isinstance(rendered, HttpResponse) and _is_storable(request, rendered):
            _store(key, request, rendered, tags, generation)
            rendered["X-Cache"] = "MISS"
        return rendered


def invalidate_tags(tags: Iterable[str]) -> int:
    """Delete every cached response rendered from any of ``tags``; returns how many."""
    tags = sorted(set(tags))
    if not tags:
        return 0
    cache = _cache()
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
    entries = PageCacheEntry.objects.filter(tags__tag__in=tags).distinct()
    keys = list(entries.values_list("key", flat=True))
    if keys:
        cache.delete_many(keys)
        PageCacheEntry.objects.filter(key__in=keys).delete()
    logger.debug("page cache: %d entries invalidated for %s", len(keys), tags)
    return len(keys)


def invalidate_on_commit(tags: Iterable[str]) -> None:
    """Invalidate once the current transaction commits (at once outside one)."""
    frozen = tuple(tags)
    transaction.on_commit(lambda: invalidate_tags(frozen))
