"""How webhooks are sent: the webhook channel's ``OPTIONS``, typed, with their defaults."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Self

from django.core.exceptions import ImproperlyConfigured

import commonground


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if str(value).strip().lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not true or false: {value!r}")


_CASTS: dict[type, Callable[[Any], Any]] = {int: int, float: float, str: str, bool: _flag}
USER_AGENT = f"CommonGround-Webhooks/{commonground.__version__} (+distribution)"


@dataclass(frozen=True, slots=True)
class WebhookOptions:
    # Seconds for connecting and for each read; the spec suggests 15-30 s, we keep the
    # worker moving (receivers should answer fast and work afterwards).
    timeout_seconds: float = 10.0
    # Retry n waits a random time in [0, min(cap, base * 2**(n-1))] ("full jitter").
    base_seconds: float = 30.0
    cap_seconds: float = 6 * 3600.0
    # A delivery is given up (Refused) after this many failed attempts.
    max_attempts: int = 10
    # A subscription is disabled after this many failed attempts in a row, over all its
    # deliveries (tests from the admin do not count).
    disable_after_failures: int = 15
    # How long the secret before a rotation is still signed with.
    rotation_grace_seconds: float = 24 * 3600.0
    # An HTTP(S) proxy every webhook goes through, e.g. an SSRF-filtering one (smokescreen);
    # empty: direct. The environment's *_proxy variables are deliberately not read.
    proxy: str = ""
    # Whether webhooks may go to loopback, private, link-local... addresses (development,
    # tests, a receiver on the intranet). Off: see sender.py on request forgery.
    allow_private_networks: bool = False
    user_agent: str = USER_AGENT
    # How many endpoints one dispatch sends to at the same time (one thread each): a slow
    # receiver holds up only its own thread, never the others, and the bound keeps a large
    # fan-out from opening hundreds of connections (and database connections) at once.
    concurrency: int = 8

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Self:
        """The options a channel's ``OPTIONS`` give (unknown names are ignored here; the
        channel reports them as problems)."""
        values: dict[str, Any] = {}
        for field in fields(cls):
            if field.name not in options:
                continue
            raw = options[field.name]
            cast = _CASTS[field.type]  # type: ignore[index]
            try:
                value = cast(raw)
            except (TypeError, ValueError) as error:
                raise ImproperlyConfigured(f"webhook option {field.name}: {error}") from error
            if cast in (int, float) and value <= 0:
                raise ImproperlyConfigured(f"webhook option {field.name} must be positive")
            values[field.name] = value
        built = cls(**values)
        if built.cap_seconds < built.base_seconds:
            raise ImproperlyConfigured("webhook option cap_seconds is less than base_seconds")
        return built

    @property
    def checks_addresses(self) -> bool:
        """Whether targets must be public addresses: not with a proxy (it decides) or with
        private networks allowed. The same on save and on send."""
        return not (self.proxy or self.allow_private_networks)

    @classmethod
    def unknown_names(cls, options: Mapping[str, Any]) -> list[str]:
        known = {field.name for field in fields(cls)} | {"label"}
        return sorted(set(options) - known)
