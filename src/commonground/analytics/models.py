"""Relational analytics state: the daily visitor-id salts (never the events themselves)."""

from django.db import models


class DailySalt(models.Model):
    """A random salt for one UTC day; deleted 48 hours after that day began."""

    day = models.DateField(unique=True)
    salt = models.BinaryField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"salt for {self.day.isoformat()}"
