"""Keyed digests of e-mail addresses: a way to recognise an address again without keeping it.

An erased person's address is kept only as ``email_digest(address)`` (HMAC-SHA256 keyed with
``SECRET_KEY``), so a later import or send can still be refused for it. Without the key the
digest cannot be turned back into the address or checked against a guessed list.
"""

from django.conf import settings
from django.utils.crypto import salted_hmac

_SALT = "commonground.email-digest"


def normalise_address(address: str) -> str:
    """The form every digest is taken of: trimmed and lower-cased (as subscribers are stored)."""
    return address.strip().lower()


def email_digest(address: str, *, secret: str | None = None) -> str:
    """64 hex characters for ``address`` under the current key (or ``secret``)."""
    return salted_hmac(
        _SALT, normalise_address(address), secret=secret or settings.SECRET_KEY, algorithm="sha256"
    ).hexdigest()


def email_digests(address: str) -> list[str]:
    """The digest under the current key and under each of ``SECRET_KEY_FALLBACKS``, so a key
    rotation that keeps the old key as a fallback does not forget who was erased."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [email_digest(address, secret=key) for key in dict.fromkeys(keys)]
