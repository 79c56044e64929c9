"""A stats query as asked (Plausible Stats API v2 vocabulary), checked into a :class:`StatsQuery`.

Every refusal is a :class:`QueryError` naming the field at fault, e.g. ``filters[1][2]``.
"""

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, TypeVar

import msgspec
import re2

from .catalogue import (
    COMPARISONS,
    DATE_RANGES,
    FILTER_OPERATORS,
    METRICS,
    Dimension,
    Level,
    dimension,
)

MAX_FILTER_VALUES = 1000
_Shape = TypeVar("_Shape")
MAX_VALUE_LENGTH = 2000
MAX_FILTER_DEPTH = 8
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000


class QueryError(ValueError):
    """A query that cannot be answered; ``field`` says which part of it is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# --- typed query ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Condition:
    operator: str  # one of FILTER_OPERATORS
    dimension: Dimension
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Junction:
    operator: Literal["and", "or"]
    children: tuple["Filter", ...]


@dataclass(frozen=True, slots=True)
class Negation:
    child: "Filter"


@dataclass(frozen=True, slots=True)
class SegmentRef:
    """``["is", "segment", [id]]``: a saved segment, expanded when the query runs."""

    segment_id: int


Filter = Condition | Junction | Negation | SegmentRef


@dataclass(frozen=True, slots=True)
class StatsQuery:
    """Metrics broken down by dimensions, for one site and date range, under filters."""

    site_id: str
    date_range: str | tuple[date, date]
    metrics: tuple[str, ...]
    dimensions: tuple[Dimension, ...] = ()
    filters: tuple[Filter, ...] = ()
    order_by: tuple[tuple[str, Literal["asc", "desc"]], ...] = ()
    limit: int = MAX_LIMIT
    offset: int = 0
    comparison: str | None = None
    time_labels: bool = False
    total_rows: bool = False
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def level(self) -> Level:
        """Events answer when a dimension or metric needs them; visits otherwise."""
        if any(d.level is Level.EVENT for d in self.dimensions):
            return Level.EVENT
        if any(Level.VISIT not in METRICS[m].levels for m in self.metrics):
            return Level.EVENT
        return Level.VISIT


# --- the JSON shape, decoded by msgspec -----------------------------------------------------


class _Pagination(msgspec.Struct, forbid_unknown_fields=True):
    limit: int = MAX_LIMIT
    offset: int = 0


class _Include(msgspec.Struct, forbid_unknown_fields=True):
    comparison: str | None = None
    time_labels: bool = False
    total_rows: bool = False


class QueryBody(msgspec.Struct, forbid_unknown_fields=True):
    """The request body of ``POST /api/v2/query`` (also what the OpenAPI schema is made of)."""

    site_id: str
    date_range: str | list[str]
    metrics: list[str]
    dimensions: list[str] = []
    filters: list[Any] = []
    order_by: list[list[str]] = []
    pagination: _Pagination = msgspec.field(default_factory=_Pagination)
    include: _Include = msgspec.field(default_factory=_Include)


_AT = re.compile(r" - at `\$(.*)`$")
_FIELD_IN_MESSAGE = re.compile(r"field `([^`]+)`")


def _error_from_msgspec(error: msgspec.MsgspecError) -> QueryError:
    text = str(error)
    at = _AT.search(text)
    path = at.group(1).lstrip(".") if at else ""
    message = _AT.sub("", text)
    named = _FIELD_IN_MESSAGE.search(message)
    if named and ("missing required" in message or "unknown field" in message):
        path = f"{path}.{named.group(1)}" if path else named.group(1)
    # ValidationError subclasses DecodeError: only a true decode error is bad JSON.
    if not isinstance(error, msgspec.ValidationError) and not at:
        return QueryError("body", f"not valid JSON ({message})")
    return QueryError(path or "body", message[0].lower() + message[1:])


def decode_body(body: bytes | str | dict[str, Any], shape: type[_Shape]) -> _Shape:
    """A request body (JSON text or already decoded) as ``shape``, or the QueryError naming
    what is wrong with it: the one way every insight reads its request."""
    try:
        if isinstance(body, dict):
            return msgspec.convert(body, shape)
        return msgspec.json.decode(body, type=shape)
    except msgspec.MsgspecError as error:
        raise _error_from_msgspec(error) from None
    except RecursionError:
        # msgspec decodes nesting by recursion: thousands of "[" were a 500 (issue 15).
        raise QueryError("body", "nested too deeply to be a query") from None


def parse_query(body: bytes | str | dict[str, Any]) -> StatsQuery:
    """Check a query (JSON text or an already decoded object) and type it."""
    return _typed(decode_body(body, QueryBody))


def conditions(
    nodes: Sequence[Filter], at: str = "filters"
) -> Iterator[tuple[Condition | SegmentRef, str]]:
    """Every condition and saved-segment reference of a filter list, with its field path."""

    def walk(node: Filter, path: str) -> Iterator[tuple[Condition | SegmentRef, str]]:
        if isinstance(node, Junction):
            for index, child in enumerate(node.children):
                yield from walk(child, f"{path}[1][{index}]")
        elif isinstance(node, Negation):
            yield from walk(node.child, f"{path}[1]")
        else:
            yield node, path

    for index, node in enumerate(nodes):
        yield from walk(node, f"{at}[{index}]")


def _typed(raw: QueryBody) -> StatsQuery:
    site_id = raw.site_id.strip()
    if not site_id:
        raise QueryError("site_id", "must not be empty")
    metrics = _metrics(raw.metrics)
    dimensions = _dimensions(raw.dimensions)
    filters = tuple(parse_filter(f, f"filters[{i}]", 1) for i, f in enumerate(raw.filters))
    order_by = _order_by(raw.order_by, metrics, dimensions)
    if not 1 <= raw.pagination.limit <= MAX_LIMIT:
        raise QueryError("pagination.limit", f"must be between 1 and {MAX_LIMIT}")
    # The store's offsets are 64-bit: a larger one failed there as a conversion error (500).
    if not 0 <= raw.pagination.offset <= MAX_OFFSET:
        raise QueryError("pagination.offset", f"must be between 0 and {MAX_OFFSET}")
    comparison = raw.include.comparison
    if comparison is not None and comparison not in COMPARISONS:
        raise QueryError("include.comparison", f"must be one of {', '.join(COMPARISONS)}")
    query = StatsQuery(
        site_id=site_id,
        date_range=parse_date_range(raw.date_range),
        metrics=metrics,
        dimensions=dimensions,
        filters=filters,
        order_by=order_by,
        limit=raw.pagination.limit,
        offset=raw.pagination.offset,
        comparison=comparison,
        time_labels=raw.include.time_labels,
        total_rows=raw.include.total_rows,
        raw=msgspec.to_builtins(raw),
    )
    _check_levels(query)
    return query


def parse_date_range(value: str | list[str]) -> str | tuple[date, date]:
    if isinstance(value, str):
        if value not in DATE_RANGES:
            raise QueryError(
                "date_range", f"must be one of {', '.join(DATE_RANGES)} or [first, last]"
            )
        return value
    if len(value) != 2:
        raise QueryError("date_range", "a custom range is two ISO dates: [first, last]")
    bounds: list[date] = []
    for index, text in enumerate(value):
        try:
            # A date-time (with or without its UTC offset) bounds the range to the second,
            # as in Plausible: the dashboard compares "today so far" with yesterday so.
            bound = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
        except ValueError:
            raise QueryError(
                f"date_range[{index}]", f"{text!r} is not an ISO date or date-time"
            ) from None
        bounds.append(bound)
    if _sort_key(bounds[0], last=False) > _sort_key(bounds[1], last=True):
        raise QueryError("date_range", "the first date is after the last")
    return bounds[0], bounds[1]


def _sort_key(bound: date, *, last: bool) -> tuple[date, str]:
    """A bound's day (its wall-clock day for a date-time) and time, for the order check; a
    plain day begins at its first second, or as the last bound ends after its last."""
    if isinstance(bound, datetime):
        return bound.date(), bound.time().isoformat()
    return bound, "~" if last else ""


def _metrics(names: list[str]) -> tuple[str, ...]:
    if not names:
        raise QueryError("metrics", "ask for at least one metric")
    for index, name in enumerate(names):
        if name not in METRICS:
            raise QueryError(
                f"metrics[{index}]", f"unknown metric {name!r}; known: {', '.join(METRICS)}"
            )
        if name in names[:index]:
            raise QueryError(f"metrics[{index}]", f"{name!r} is asked for twice")
    return tuple(names)


def _dimensions(names: list[str]) -> tuple[Dimension, ...]:
    dimensions: list[Dimension] = []
    for index, name in enumerate(names):
        found = dimension(name)
        if found is None:
            raise QueryError(f"dimensions[{index}]", f"unknown dimension {name!r}")
        if found in dimensions:
            raise QueryError(f"dimensions[{index}]", f"{name!r} is asked for twice")
        if found.is_time and any(d.is_time for d in dimensions):
            raise QueryError(f"dimensions[{index}]", "only one time dimension at a time")
        dimensions.append(found)
    return tuple(dimensions)


def parse_filter(value: Any, at: str, depth: int) -> Filter:
    if depth > MAX_FILTER_DEPTH:
        raise QueryError(at, f"filters nest at most {MAX_FILTER_DEPTH} deep")
    if not isinstance(value, list) or not value or not isinstance(value[0], str):
        raise QueryError(at, 'a filter is ["operator", dimension, [values]], or and/or/not')
    operator = value[0]
    if operator in ("and", "or", "not"):
        return _logical(operator, value, at, depth)
    if operator not in FILTER_OPERATORS:
        raise QueryError(
            f"{at}[0]",
            f"unknown operator {operator!r}; known: {', '.join(FILTER_OPERATORS)}, and, or, not",
        )
    if len(value) != 3:
        raise QueryError(at, f'"{operator}" takes a dimension and a list of values')
    name, values = value[1], value[2]
    if name == "segment":
        return _segment(operator, values, at)
    found = _filtered_dimension(operator, name, at)
    return Condition(operator, found, _filter_values(operator, values, at))


def _logical(operator: str, value: list[Any], at: str, depth: int) -> Filter:
    """An and/or of a list of filters, or a not of one."""
    if operator == "not":
        if len(value) != 2:
            raise QueryError(at, '"not" takes one filter')
        return Negation(parse_filter(value[1], f"{at}[1]", depth + 1))
    if len(value) != 2 or not isinstance(value[1], list) or not value[1]:
        raise QueryError(at, f'"{operator}" takes one non-empty list of filters')
    children = tuple(
        parse_filter(child, f"{at}[1][{i}]", depth + 1) for i, child in enumerate(value[1])
    )
    return Junction("and" if operator == "and" else "or", children)


def _filtered_dimension(operator: str, name: Any, at: str) -> Dimension:
    found = dimension(name) if isinstance(name, str) else None
    if found is None:
        raise QueryError(f"{at}[1]", f"unknown dimension {name!r}")
    if found.is_time:
        raise QueryError(f"{at}[1]", "time is chosen by date_range, not filtered")
    if found.is_goal and operator not in ("is", "is_not"):
        raise QueryError(f"{at}[0]", "goals are filtered with is or is_not")
    return found


def _filter_values(operator: str, values: Any, at: str) -> tuple[str, ...]:
    if not isinstance(values, list) or not values:
        raise QueryError(f"{at}[2]", "a non-empty list of values")
    if len(values) > MAX_FILTER_VALUES:
        raise QueryError(f"{at}[2]", f"at most {MAX_FILTER_VALUES} values")
    for index, item in enumerate(values):
        if not isinstance(item, str):
            raise QueryError(f"{at}[2][{index}]", "values are strings")
        if len(item) > MAX_VALUE_LENGTH:
            raise QueryError(f"{at}[2][{index}]", f"longer than {MAX_VALUE_LENGTH} characters")
        if operator.startswith("matches"):
            try:
                re2.compile(item)
            except re2.error as error:
                raise QueryError(f"{at}[2][{index}]", f"not a valid pattern: {error}") from None
    return tuple(values)


def _segment(operator: str, values: Any, at: str) -> SegmentRef:
    if operator != "is":
        raise QueryError(f"{at}[0]", 'segments are filtered with "is"')
    if not isinstance(values, list) or len(values) != 1 or not isinstance(values[0], int):
        raise QueryError(f"{at}[2]", "one segment id, e.g. [12]")
    return SegmentRef(values[0])


def _order_by(
    pairs: list[list[str]], metrics: tuple[str, ...], dimensions: tuple[Dimension, ...]
) -> tuple[tuple[str, Literal["asc", "desc"]], ...]:
    known = set(metrics) | {d.name for d in dimensions}
    order: list[tuple[str, Literal["asc", "desc"]]] = []
    for index, pair in enumerate(pairs):
        if len(pair) != 2 or pair[1] not in ("asc", "desc"):
            raise QueryError(f"order_by[{index}]", 'each is [metric or dimension, "asc"|"desc"]')
        if pair[0] not in known:
            raise QueryError(
                f"order_by[{index}]", f"{pair[0]!r} is not among the query's metrics or dimensions"
            )
        order.append((pair[0], "asc" if pair[1] == "asc" else "desc"))
    return tuple(order)


def _check_levels(query: StatsQuery) -> None:
    """Visit metrics cannot be split by an event dimension (a visit has many pages)."""
    level = query.level
    for index, name in enumerate(query.metrics):
        if level not in METRICS[name].levels:
            event_dimension = next(
                (d.name for d in query.dimensions if d.level is Level.EVENT), None
            )
            reason = (
                f"cannot be broken down by {event_dimension}"
                if event_dimension
                else "cannot be asked together with "
                + ", ".join(m for m in query.metrics if Level.VISIT not in METRICS[m].levels)
            )
            raise QueryError(f"metrics[{index}]", f"{name} is a visit metric and {reason}")
