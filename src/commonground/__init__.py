"""Common Ground: the self-hosted customer-experience suite."""

__version__ = "0.1.0"
