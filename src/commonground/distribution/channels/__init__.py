"""The configured channels: ``DISTRIBUTION_CHANNELS`` built into backends, one place."""

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from .base import (
    CannotSend,
    ChannelBackend,
    DeliveryError,
    DeliveryRun,
    Message,
    Recipient,
    Refused,
    RetryLater,
    Sent,
)

__all__ = [
    "CannotSend",
    "ChannelBackend",
    "DeliveryError",
    "DeliveryRun",
    "Message",
    "Recipient",
    "Refused",
    "RetryLater",
    "Sent",
    "channel_choices",
    "channel_label",
    "channel_names",
    "get_channel",
]


def channel_names() -> list[str]:
    return list(getattr(settings, "DISTRIBUTION_CHANNELS", {}))


def channel_label(name: str) -> str:
    """The channel's label, or its name when it has none or cannot be built."""
    try:
        return get_channel(name).label or name
    except Exception:  # misconfigured, or removed from the settings since: show its name
        return name


def channel_choices() -> list[tuple[str, str]]:
    """(name, label) of every configured channel, in the settings' order."""
    return [(name, channel_label(name)) for name in channel_names()]


@cache
def get_channel(name: str) -> ChannelBackend:
    """The backend configured under ``name``; ``ImproperlyConfigured`` names what is wrong."""
    channels = getattr(settings, "DISTRIBUTION_CHANNELS", {})
    if name not in channels:
        raise ImproperlyConfigured(f"DISTRIBUTION_CHANNELS has no channel {name!r}")
    config = channels[name]
    try:
        backend_class = import_string(config["BACKEND"])
    except (KeyError, ImportError) as error:
        raise ImproperlyConfigured(f"DISTRIBUTION_CHANNELS[{name!r}]: {error}") from error
    if not (isinstance(backend_class, type) and issubclass(backend_class, ChannelBackend)):
        raise ImproperlyConfigured(
            f"DISTRIBUTION_CHANNELS[{name!r}]['BACKEND'] is not a ChannelBackend"
        )
    backend: ChannelBackend = backend_class(name, **config.get("OPTIONS", {}))
    return backend


def _forget_channels(*, setting: str, **kwargs: object) -> None:
    if setting == "DISTRIBUTION_CHANNELS":
        get_channel.cache_clear()


setting_changed.connect(_forget_channels)
