"""API keys: made (the secret shown once, only its hash kept), revoked, and checked per request.

Every request looks its key up in the database, so a revocation holds in every server process
from the moment it commits; there is no cache to outlive it.
"""

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.log_actions import log

from ..models import ApiKey, TrackedSite

KEY_PREFIX = "cg"
PREFIX_BYTES = 6  # 12 hex characters: names a key in the admin and finds it on a request
SECRET_BYTES = 32
# cg_<12 hex>_<43 characters of URL-safe base64 without padding>
KEY_FORMAT = re.compile(r"cg_([0-9a-f]{12})_([A-Za-z0-9_-]{43})\Z")
LAST_USED_RESOLUTION = timedelta(minutes=1)

CREATED = "analytics.api_key.create"
REVOKED = "analytics.api_key.revoke"


class ApiKeyRefusedError(Exception):
    """The request's key is missing, malformed, unknown or revoked (an HTTP 401)."""


@dataclass(frozen=True)
class NewApiKey:
    api_key: ApiKey
    plaintext: str  # shown to its owner once, never stored or logged


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def create_api_key(*, owner: User, name: str, sites: Iterable[TrackedSite]) -> NewApiKey:
    """A new key for ``owner`` reading ``sites``; the caller has checked that they may."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    for attempt in range(3):
        prefix = secrets.token_hex(PREFIX_BYTES)
        try:
            with transaction.atomic():
                api_key = ApiKey.objects.create(
                    user=owner, name=name, prefix=prefix, secret_hash=secret_hash(secret)
                )
                api_key.sites.set(sites)
                log(
                    api_key,
                    CREATED,
                    user=owner,
                    data={"sites": sorted(site.domain for site in api_key.sites.all())},
                )
        except IntegrityError:
            # Two keys drew the same 48-bit prefix: draw again.
            if attempt == 2:
                raise
            continue
        return NewApiKey(api_key, f"{KEY_PREFIX}_{prefix}_{secret}")
    raise AssertionError("unreachable")


def revoke_api_key(api_key: ApiKey, *, by: User | AnonymousUser) -> bool:
    """Revoke ``api_key`` (False if it already was); its next request is refused."""
    with transaction.atomic():
        now = timezone.now()
        revoked = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
            revoked_at=now
        )
        if revoked:
            api_key.revoked_at = now
            log(api_key, REVOKED, user=by, data={"owner": api_key.user.get_username()})
    return bool(revoked)


def authenticate(authorization: str | None) -> ApiKey:
    """The live key an ``Authorization: Bearer <key>`` header carries, with its user."""
    if not authorization:
        raise ApiKeyRefusedError("send an API key in the header Authorization: Bearer <key>")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiKeyRefusedError("use the Bearer scheme: Authorization: Bearer <key>")
    match = KEY_FORMAT.match(token.strip())
    if match is None:
        raise ApiKeyRefusedError("not a Common Ground API key (cg_<prefix>_<secret>)")
    prefix, secret = match.groups()
    api_key = ApiKey.objects.select_related("user").filter(prefix=prefix).first()
    # Compared in constant time, so response times say nothing about a stored hash.
    if api_key is None or not secrets.compare_digest(api_key.secret_hash, secret_hash(secret)):
        raise ApiKeyRefusedError("unknown API key")
    if api_key.revoked_at is not None:
        raise ApiKeyRefusedError("this API key has been revoked")
    if not api_key.user.is_active:
        raise ApiKeyRefusedError("the owner of this API key is no longer active")
    return api_key


def record_use(api_key: ApiKey) -> None:
    """Note when the key was last used, writing at most once a minute per key."""
    now = timezone.now()
    if api_key.last_used_at is not None and now - api_key.last_used_at < LAST_USED_RESOLUTION:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    # Conditional, so several processes seeing the same stale time write once between them.
    ApiKey.objects.filter(stale, pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now
