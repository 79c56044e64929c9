"""The metric catalogue: named, documented numbers computed from the product's own data.

Each source module (``sources/``) registers its metrics with :func:`register`; every value
comes through the source app's own query layer or ``public.py``, so a scorecard number equals
the number on the source's own screen.
"""

from .base import (
    CATALOGUE,
    Accumulation,
    Direction,
    MetricDefinition,
    MetricError,
    Parameter,
    Period,
    Unit,
    all_metrics,
    as_decimal,
    compute,
    metric,
    register,
)

__all__ = [
    "CATALOGUE",
    "Accumulation",
    "Direction",
    "MetricDefinition",
    "MetricError",
    "Parameter",
    "Period",
    "Unit",
    "all_metrics",
    "as_decimal",
    "compute",
    "metric",
    "register",
]
