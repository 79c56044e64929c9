"""Streams audit entries as CSV or JSON Lines, one row at a time, for the command and the admin."""

import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from ..spreadsheet_cells import csv_lines as spreadsheet_lines
from .chain import canonical_timestamp
from .models import AuditEntry

COLUMNS = (
    "sequence",
    "timestamp",
    "actor_id",
    "actor",
    "action",
    "object_type",
    "object_id",
    "object_title",
    "data",
    "source",
    "source_id",
    "previous_hash",
    "hash",
    "key_id",  # which key's HMAC ``hash`` is (empty: a legacy, unkeyed entry)
)
_CHUNK = 2_000


def entry_row(entry: AuditEntry) -> dict[str, Any]:
    row = {column: getattr(entry, column) for column in COLUMNS}
    row["timestamp"] = canonical_timestamp(entry.timestamp)
    return row


def stream_entries(queryset: QuerySet[AuditEntry]) -> Iterator[AuditEntry]:
    # iterator() keeps memory flat: rows are fetched in chunks (a server-side cursor on PG).
    return queryset.iterator(chunk_size=_CHUNK)


def csv_lines(entries: Iterable[AuditEntry]) -> Iterator[str]:
    return spreadsheet_lines(COLUMNS, (entry_row(entry).values() for entry in entries))


def jsonl_lines(entries: Iterable[AuditEntry]) -> Iterator[str]:
    # JSON is not run by spreadsheets, so values stay exact; data is nested, not a string.
    for entry in entries:
        row = entry_row(entry)
        row["data"] = json.loads(row["data"])
        yield json.dumps(row, ensure_ascii=False, sort_keys=False) + "\n"
