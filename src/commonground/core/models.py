"""Core models: the index from page-cache entries to what they were rendered from."""

from django.db import models


class PageCacheEntry(models.Model):
    """One cached anonymous response; its tags say which objects it was rendered from."""

    key = models.CharField(max_length=80, unique=True)
    url = models.CharField(max_length=2048)
    created_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name_plural = "page cache entries"

    def __str__(self) -> str:
        return self.url


class PageCacheTag(models.Model):
    entry = models.ForeignKey(PageCacheEntry, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(max_length=120, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "tag"], name="unique_entry_tag")]

    def __str__(self) -> str:
        return self.tag


from .audit.models import AuditEntry, AuditHead  # noqa: E402, F401
