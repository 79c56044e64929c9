"""The answers, typed and frozen; ``as_json()`` gives each exactly as the API returns it
(docs/api.md), key for key and in the same order."""

from dataclasses import dataclass
from typing import Any

MetricValue = int | float | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """A row's counterpart in the comparison period, and how each metric moved."""

    dimensions: tuple[Any, ...]
    metrics: tuple[MetricValue, ...]
    change: tuple[float | None, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "dimensions": list(self.dimensions),
            "metrics": list(self.metrics),
            "change": list(self.change),
        }


@dataclass(frozen=True, slots=True)
class StatsRow:
    dimensions: tuple[Any, ...]  # labels: "2026-11-02", "Google", ...
    metrics: tuple[MetricValue, ...]  # in the query's order
    comparison: Comparison | None = None

    def as_json(self) -> dict[str, Any]:
        row: dict[str, Any] = {"dimensions": list(self.dimensions), "metrics": list(self.metrics)}
        if self.comparison is not None:
            row["comparison"] = self.comparison.as_json()
        return row


@dataclass(frozen=True, slots=True)
class StatsMeta:
    """What the query's ``include`` asked for besides the rows (None: not asked)."""

    total_rows: int | None = None
    time_labels: tuple[str, ...] | None = None
    comparison_date_range: tuple[str, str] | None = None
    partial_time_label: str | None = None

    def as_json(self) -> dict[str, Any]:
        meta: dict[str, Any] = {}
        if self.total_rows is not None:
            meta["total_rows"] = self.total_rows
        if self.time_labels is not None:
            meta["time_labels"] = list(self.time_labels)
        if self.comparison_date_range is not None:
            meta["comparison_date_range"] = list(self.comparison_date_range)
        if self.partial_time_label is not None:
            meta["partial_time_label"] = self.partial_time_label
        return meta


@dataclass(frozen=True, slots=True)
class StatsResult:
    rows: tuple[StatsRow, ...]
    meta: StatsMeta
    query: dict[str, Any]  # the query as understood: its date range made two dates

    def as_json(self) -> dict[str, Any]:
        return {
            "results": [row.as_json() for row in self.rows],
            "meta": self.meta.as_json(),
            "query": dict(self.query),
        }


@dataclass(frozen=True, slots=True)
class FunnelStepResult:
    label: str
    visitors: int
    conversion_rate: float  # of the first step's visitors, per cent
    step_conversion_rate: float  # of the previous step's
    dropoff: int
    dropoff_rate: float

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "visitors": self.visitors,
            "conversion_rate": self.conversion_rate,
            "step_conversion_rate": self.step_conversion_rate,
            "dropoff": self.dropoff,
            "dropoff_rate": self.dropoff_rate,
        }


@dataclass(frozen=True, slots=True)
class FunnelResult:
    steps: tuple[FunnelStepResult, ...]
    date_range: tuple[str, str]

    def as_json(self) -> dict[str, Any]:
        return {
            "steps": [step.as_json() for step in self.steps],
            "date_range": list(self.date_range),
        }


@dataclass(frozen=True, slots=True)
class JourneyPath:
    path: tuple[str, ...]
    visits: int
    visitors: int

    def as_json(self) -> dict[str, Any]:
        return {"path": list(self.path), "visits": self.visits, "visitors": self.visitors}


@dataclass(frozen=True, slots=True)
class JourneyResult:
    page: str
    date_range: tuple[str, str]
    into: tuple[JourneyPath, ...]
    out_of: tuple[JourneyPath, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "date_range": list(self.date_range),
            "into": [path.as_json() for path in self.into],
            "out_of": [path.as_json() for path in self.out_of],
        }


@dataclass(frozen=True, slots=True)
class PropertyKeys:
    keys: tuple[str, ...]  # most used first

    def as_json(self) -> list[str]:
        return list(self.keys)
