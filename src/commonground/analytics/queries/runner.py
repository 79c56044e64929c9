"""The shape every insight takes: a runner per kind of query that parses a request into its
typed query, compiles that to SQL and runs it into a typed, frozen result (after PostHog's
``hogql_queries/query_runner.py``).

``parse`` refuses bad input with a :class:`QueryError` naming the field; ``compile`` gives
the statements the answer is read with; ``run`` answers, through the event store's query
service unless given a ``reader``. A result's ``as_json()`` is exactly what the API returns.
Runners are registered by kind (``RUNNERS``), each holding the options it answers with.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from ..eventstore import get_query_client
from .sql import Statement

Reader = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]
Body = bytes | str | dict[str, Any]


class Result(Protocol):
    def as_json(self) -> object:
        """The answer as JSON-ready data, as the API returns it."""
        ...


QueryT = TypeVar("QueryT")
ResultT = TypeVar("ResultT", bound=Result)


def store_reader() -> Reader:
    """Reads through the mover's query service (the one way every process but the mover
    reads the store)."""
    return get_query_client().query


class QueryRunner(ABC, Generic[QueryT, ResultT]):
    """Parses, compiles and runs one kind of query."""

    kind: ClassVar[str]

    @abstractmethod
    def parse(self, body: Body) -> QueryT:
        """A request body (JSON text or already decoded) checked and typed."""

    def compile(
        self, query: QueryT, *, reader: Reader | None = None, now: datetime | None = None
    ) -> tuple[Statement, ...]:
        """The statements the answer to ``query`` is read with (a runner may read the store to
        plan them, e.g. which days are rolled up)."""
        return self._compile(query, reader or store_reader(), now or datetime.now(UTC))

    def run(
        self, query: QueryT, *, reader: Reader | None = None, now: datetime | None = None
    ) -> ResultT:
        """The answer to ``query``. Raises QueryError, and StoreUnavailableError when the
        event store cannot be reached."""
        return self._run(query, reader or store_reader(), now or datetime.now(UTC))

    @abstractmethod
    def _compile(self, query: QueryT, reader: Reader, now: datetime) -> tuple[Statement, ...]: ...

    @abstractmethod
    def _run(self, query: QueryT, reader: Reader, now: datetime) -> ResultT: ...


AnyRunner = QueryRunner[Any, Any]
RunnerT = TypeVar("RunnerT", bound=type[AnyRunner])
RUNNERS: dict[str, type[AnyRunner]] = {}


def register(runner: RunnerT) -> RunnerT:
    """Class decorator: ``runner`` answers queries of its ``kind``."""
    RUNNERS[runner.kind] = runner
    return runner


def get_runner(kind: str) -> AnyRunner:
    """A runner (with its default options) for queries of ``kind``; KeyError if none."""
    return RUNNERS[kind]()
