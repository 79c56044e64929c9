"""Stats API keys: Wagtail API tokens that may read some tracked sites; made, revoked, and
checked on every request.

The token itself (its ``wagtail_…`` format, the HMAC digest that is all that is stored, the
display prefix, revocation, last use) is Wagtail's ``APIToken``; a ``StatsApiKey`` row adds
the sites it reads. Every request looks its key up in the database, so a revocation holds in
every server process from the moment it commits; there is no cache to outlive it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import APIToken

from ..models import StatsApiKey, TrackedSite

# Wagtail's own actions for its tokens (also written by its ``api_tokens`` command), so a key
# revoked there or here is one kind of entry in the audit log.
CREATED = "wagtail.apitoken.create"
REVOKED = "wagtail.apitoken.revoke"
# A key creation refused for want of the permission (a forged POST: the page offers none).
CREATE_REFUSED = "analytics.stats_api_key.create_refused"
# Wagtail's setting for how often a token's last use is written (seconds; None: never).
LAST_USED_INTERVAL_SETTING = "WAGTAILAPI_TOKEN_LAST_USED_INTERVAL"


class ApiKeyRefusedError(Exception):
    """The request's key is missing, malformed, unknown or revoked (an HTTP 401)."""


@dataclass(frozen=True)
class NewApiKey:
    token: APIToken
    plaintext: str  # shown to its owner once, never stored or logged


def create_api_key(*, owner: User, name: str, sites: Iterable[TrackedSite]) -> NewApiKey:
    """A new key for ``owner`` reading ``sites``; the caller has checked that they may."""
    with transaction.atomic():
        token, plaintext = APIToken.create_token(user=owner, name=name)
        key = StatsApiKey.objects.create(token=token)
        key.sites.set(sites)
        log(
            token,
            CREATED,
            user=owner,
            data={"sites": sorted(site.domain for site in key.sites.all())},
        )
    return NewApiKey(token, plaintext)


def record_refused_creation(*, user: User | AnonymousUser, reason: str) -> None:
    """Audit a refused attempt to create a key, on the user who made it."""
    if not user.is_authenticated:
        return
    # The row itself, not request.user's lazy wrapper: the log registry reads its class.
    person = User.objects.get(pk=user.pk)
    log(person, CREATE_REFUSED, user=person, data={"reason": reason})


def revoke_api_key(token: APIToken, *, by: User | AnonymousUser) -> bool:
    """Revoke ``token`` (False if it already was); its next request is refused."""
    with transaction.atomic():
        # Locked, so two revocations at once log one entry between them.
        current = APIToken.objects.select_for_update().select_related("user").get(pk=token.pk)
        if current.revoked_at is not None:
            return False
        current.revoke()
        token.revoked_at = current.revoked_at
        log(current, REVOKED, user=by, data={"owner": current.user.get_username()})
    return True


def authenticate(authorization: str | None) -> StatsApiKey:
    """The live key an ``Authorization: Bearer <key>`` header carries, with its token and user."""
    if not authorization:
        raise ApiKeyRefusedError("send an API key in the header Authorization: Bearer <key>")
    scheme, _, plaintext = authorization.strip().partition(" ")
    plaintext = plaintext.strip()
    if scheme.lower() != "bearer" or not plaintext:
        raise ApiKeyRefusedError("use the Bearer scheme: Authorization: Bearer <key>")
    # Checked offline (prefix, length, alphabet, checksum): a mistyped or foreign key costs
    # no query.
    if not APIToken.validate_token_format(plaintext):
        raise ApiKeyRefusedError("not a Common Ground API key (wagtail_<secret><checksum>)")
    # One digest per secret key in use, so keys outlive a SECRET_KEY rotation. Only tokens made
    # as Stats API keys are found: a Wagtail token without sites reads nothing here.
    key = (
        StatsApiKey.objects.select_related("token__user")
        .filter(token__key_hash__in=APIToken.candidate_key_hashes(plaintext))
        .first()
    )
    if key is None:
        raise ApiKeyRefusedError("unknown API key")
    if key.token.revoked_at is not None:
        raise ApiKeyRefusedError("this API key has been revoked")
    if not key.token.user.is_active:
        raise ApiKeyRefusedError("the owner of this API key is no longer active")
    return key


def record_use(token: APIToken) -> None:
    """Note when the token was last used, at most once per Wagtail's interval (a minute)."""
    interval = getattr(settings, LAST_USED_INTERVAL_SETTING, 60)
    if interval is None:
        return
    now = timezone.now()
    since = now - timedelta(seconds=interval)
    if token.last_used_at is not None and token.last_used_at > since:
        return
    # Conditional, so several processes seeing the same stale time write once between them.
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=since)
    APIToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
