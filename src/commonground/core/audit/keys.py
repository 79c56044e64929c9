"""The audit trail's keys: the current HMAC key (``AUDIT_KEY``, from the environment, never
the database), the old ones verification still knows (``AUDIT_KEYS_OLD``), and their ids.

A key's id is derived from the key (the first 16 hex digits of a SHA-256 over a fixed prefix
and the key), so rotating needs no second setting and an id reveals nothing usable. Without
``AUDIT_KEY`` (development and tests) the key is derived from ``SECRET_KEY`` and the data
directory, and says so: a system check warns, the posture page warns, and production refuses
to start without a real one.
"""

import hashlib
import hmac
import logging
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger("commonground.audit.keys")
_ID_PREFIX = b"commonground.audit.key-id\x00"
_DEV_PREFIX = b"commonground.audit.dev-default\x00"


@dataclass(frozen=True)
class AuditKey:
    key_id: str
    secret: bytes
    dev_default: bool = False

    def sign(self, message: bytes) -> str:
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()


def key_id_for(secret: bytes) -> str:
    return hashlib.sha256(_ID_PREFIX + secret).hexdigest()[:16]


def _key(text: str, *, dev_default: bool = False) -> AuditKey:
    secret = text.encode("utf-8")
    return AuditKey(key_id_for(secret), secret, dev_default)


def _dev_default() -> AuditKey:
    material = f"{settings.SECRET_KEY}\x00{settings.DATA_DIR}".encode()
    return _key(hashlib.sha256(_DEV_PREFIX + material).hexdigest(), dev_default=True)


def using_dev_default() -> bool:
    return not getattr(settings, "AUDIT_KEY", "")


def current_key() -> AuditKey:
    configured = getattr(settings, "AUDIT_KEY", "")
    return _key(configured) if configured else _dev_default()


def known_keys() -> dict[str, AuditKey]:
    """Every key verification accepts, by id: the current one first, then AUDIT_KEYS_OLD."""
    keys = {current_key().key_id: current_key()}
    for old in getattr(settings, "AUDIT_KEYS_OLD", []):
        if old:
            keys.setdefault(_key(old).key_id, _key(old))
    return keys


def constant_time_equal(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode("ascii", "replace"), right.encode("ascii", "replace"))
