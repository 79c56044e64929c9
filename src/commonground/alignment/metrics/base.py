"""What a catalogue metric is: definition, unit, direction, parameters, and how it computes."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any


class MetricError(ValueError):
    """A metric that cannot be computed as asked; ``field`` names the part at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Direction(StrEnum):
    HIGHER = "higher"  # higher is better
    LOWER = "lower"  # lower is better

    @property
    def label(self) -> str:
        return "higher is better" if self is Direction.HIGHER else "lower is better"


class Unit(StrEnum):
    COUNT = "count"
    PERCENT = "percent"  # 0-100
    MILLISECONDS = "ms"
    SECONDS = "s"
    HOURS = "hours"
    WORKING_DAYS = "working days"
    SCORE = "score"  # unitless, e.g. CLS
    MONEY = "money"  # in settings.ALIGNMENT_CURRENCY
    RATIO = "ratio"  # e.g. spend / plan (1.0 = on plan)
    BOOLEAN = "yes/no"  # 1 or 0


class Accumulation(StrEnum):
    """How a value grows over its period, which decides the pace a goal is judged against."""

    # Adds up over the period (visitors, sends, pages published): by the middle of the
    # period about half the target is due.
    CUMULATIVE = "cumulative"
    # A rate or a state at a moment (bounce rate, p75, open requests): judged against the
    # straight line from the goal's baseline to its target.
    LEVEL = "level"


@dataclass(frozen=True, slots=True)
class Period:
    """Days ``start`` to ``end``, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise MetricError("period", f"ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def shifted_back(self) -> "Period":
        """The period of the same length just before this one."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


@dataclass(frozen=True, slots=True)
class Parameter:
    """One setting a goal gives its metric, e.g. the tracked site or a filter."""

    name: str  # "site", "filter", "goal", "channel", "list", ...
    label: str
    required: bool = True
    help: str = ""
    # The values it may take, for a choice in the form; computed when the form opens.
    choices: Callable[[], list[tuple[str, str]]] | None = None


Params = Mapping[str, str]
Compute = Callable[[Params, Period], Decimal | None]
# One value asked for: (metric key, its settings as sorted pairs, period).
Request = tuple[str, tuple[tuple[str, str], ...], Period]
# Answers many requests of a source at once (e.g. one analytics query for every metric a
# site, filter and period share); each answer is a value or the MetricError it met.
Batch = Callable[[Sequence[Request]], dict[Request, "Decimal | MetricError | None"]]


@dataclass(frozen=True, slots=True)
class MetricDefinition:
    key: str  # "analytics.visitors": the source, a dot, the metric
    label: str  # "Visitors"
    definition: str  # one or two plain sentences: what is counted, from where
    unit: Unit
    direction: Direction
    accumulation: Accumulation
    glossary_term: str  # the glossary term's slug ("" when there is none)
    compute: Compute = field(repr=False, compare=False)
    parameters: tuple[Parameter, ...] = ()
    # Whether the value over a past stretch of days can be worked out again later: counts
    # and rates of dated rows and events can; a state of now (open requests) cannot, so its
    # past is only what the daily snapshots kept.
    history: bool = True
    # Answers several requests in fewer round trips; None: one compute() per value.
    batch: Batch | None = field(default=None, repr=False, compare=False)

    @property
    def source(self) -> str:
        return self.key.split(".", 1)[0]

    def check_params(self, params: Params) -> dict[str, str]:
        """``params`` restricted to this metric's parameters; MetricError naming a missing or
        unknown one."""
        known = {p.name for p in self.parameters}
        for name in params:
            if name not in known:
                raise MetricError(f"params.{name}", f"{self.label} takes no {name!r} setting")
        for parameter in self.parameters:
            if parameter.required and not str(params.get(parameter.name, "")).strip():
                raise MetricError(f"params.{parameter.name}", f"{parameter.label} is required")
        return {name: str(value).strip() for name, value in params.items()}


CATALOGUE: dict[str, MetricDefinition] = {}


def register(definition: MetricDefinition) -> MetricDefinition:
    if definition.key in CATALOGUE:
        raise ValueError(f"metric {definition.key!r} registered twice")
    CATALOGUE[definition.key] = definition
    return definition


def metric(key: str) -> MetricDefinition:
    """The catalogue metric ``key``; MetricError when there is none."""
    try:
        return CATALOGUE[key]
    except KeyError:
        raise MetricError("metric", f"no metric {key!r} in the catalogue") from None


def compute(key: str, params: Params, period: Period) -> Decimal | None:
    """The value of metric ``key`` with ``params`` over ``period`` (None: nothing to measure
    yet, e.g. a rate over no visits)."""
    definition = metric(key)
    return definition.compute(definition.check_params(params), period)


def all_metrics() -> list[MetricDefinition]:
    return sorted(CATALOGUE.values(), key=lambda d: d.key)


def as_decimal(value: Any) -> Decimal | None:
    """A source's number as a Decimal (floats through their shortest repr), None kept."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(float(value)))
