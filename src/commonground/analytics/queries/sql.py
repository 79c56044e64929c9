"""What every insight's SQL is built from: the dialect, constant fragments, bound parameters,
and the statement a runner hands the store."""

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import sqlglot
from sqlglot import exp

DIALECT = "duckdb"


@cache
def _fragment(sql: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read=DIALECT)


def fragment(sql: str) -> exp.Expr:
    """A constant piece of SQL (never with input in it), parsed once, copied per use."""
    return _fragment(sql).copy()


@dataclass
class Parameters:
    """Values bound to ``$1``, ``$2``... in the order they were added."""

    values: list[Any] = field(default_factory=list)

    def add(self, value: Any) -> exp.Placeholder:
        self.values.append(value)
        return exp.Placeholder(this=str(len(self.values)))


@dataclass(frozen=True, slots=True)
class Statement:
    """One compiled query: SQL in the store's dialect and the values of its parameters."""

    sql: str
    params: list[Any]


def statement(query: exp.Expr, params: Parameters) -> Statement:
    return Statement(query.sql(dialect=DIALECT), params.values)
