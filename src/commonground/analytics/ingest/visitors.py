"""Who a visitor is, without knowing who they are: salted, keyed, daily-rotating visitor ids.

visitor id = first 8 bytes of BLAKE2b(key=daily salt, site | ip | user agent). The salt is
random, one per UTC day, and deleted 48 hours after its day began, so yesterday's ids can no
longer be linked to today's or recomputed from an IP address. The IP address itself is only
ever an argument to this function: it is not stored or logged anywhere.
"""

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta

from django.db import IntegrityError, transaction

from ..models import DailySalt

SALT_BYTES = 32
SALT_LIFETIME = timedelta(hours=48)

# Salts are immutable once made, so each process keeps the ones it has read.
_salt_cache: dict[date, bytes] = {}


def salt_for(day: date) -> bytes:
    """The salt of ``day``, created on first use; the same in every process."""
    cached = _salt_cache.get(day)
    if cached is not None:
        return cached
    existing = DailySalt.objects.filter(day=day).values_list("salt", flat=True).first()
    if existing is None:
        try:
            with transaction.atomic():
                DailySalt.objects.create(day=day, salt=secrets.token_bytes(SALT_BYTES))
        except IntegrityError:
            pass  # another process made it first; use theirs
        existing = DailySalt.objects.values_list("salt", flat=True).get(day=day)
    salt = bytes(existing)
    _salt_cache.clear()  # keep at most the current day's salt in memory
    _salt_cache[day] = salt
    return salt


def visitor_id(*, site: str, ip: str, user_agent: str, at: datetime) -> int:
    """A 63-bit id, stable for one visitor on one site during one UTC day."""
    day = at.astimezone(UTC).date()
    digest = hashlib.blake2b(
        f"{site}\x00{ip}\x00{user_agent}".encode("utf-8", "replace"),
        key=salt_for(day),
        digest_size=8,
    ).digest()
    # 63 bits: fits signed 64-bit integer columns in every event-store backend.
    return int.from_bytes(digest, "big") >> 1


def delete_expired_salts(*, now: datetime | None = None) -> int:
    """Delete every salt whose day began more than 48 hours ago; returns how many."""
    now = now or datetime.now(UTC)
    # A day's salt is used until that day ends, then kept 24 h for late events.
    oldest_allowed = (now - SALT_LIFETIME).date() + timedelta(days=1)
    _salt_cache.clear()
    deleted, _ = DailySalt.objects.filter(day__lt=oldest_allowed).delete()
    return deleted
