"""Background tasks owned by core: scheduled publishing and page-cache housekeeping."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django_tasks import task

from .models import PageCacheEntry

logger = logging.getLogger(__name__)


@task()
def publish_scheduled_pages() -> None:
    """Apply go-live and expiry times that have passed (Wagtail's own logic)."""
    call_command("publish_scheduled", verbosity=0)


@task()
def prune_page_cache_index() -> int:
    """Forget index rows for cache entries that have expired on their own."""
    cutoff = timezone.now() - timedelta(seconds=settings.PAGE_CACHE_TIMEOUT)
    deleted, _ = PageCacheEntry.objects.filter(created_at__lt=cutoff).delete()
    return deleted
