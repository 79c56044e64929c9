"""Every source of catalogue metrics; each module registers its metrics on import."""

from . import analytics, budget, content, distribution, governance, manual  # noqa: F401
