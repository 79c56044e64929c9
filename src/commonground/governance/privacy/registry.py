"""The registries privacy operations work from: kinds of data with a retention period, and
the places that hold personal data about an e-mail address.

Each app registers its own (from its ``AppConfig.ready``, through ``governance.public``), so
governance never imports another app's models. Registering twice under one name replaces
the first (tests and reloads stay simple); the order of registration is the order of work.
"""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction

Rows = Sequence[Mapping[str, Any]]

_ASCII_RUNS = re.compile(r"[\x20-\x7e]+")


def search_fragment(address: str) -> str:
    """The part of ``address`` to narrow candidates with in SQL (``icontains``), whose hits
    are then confirmed in Python: the longest run of printable ASCII. SQLite's LIKE folds
    only ASCII case, and SQLite keeps JSON with non-ASCII characters escaped, so a fragment
    with them would miss rows that PostgreSQL finds. Every address has at least its "@".
    """
    runs = _ASCII_RUNS.findall(address.replace("\\", " ").replace('"', " "))
    return max(runs, key=len, default="@").strip() or "@"


def users_with_address(address: str) -> models.QuerySet[Any]:
    """Admin user accounts with the e-mail address (Django stores it as typed)."""
    return get_user_model().objects.filter(email__iexact=address)


def rows_of(queryset: models.QuerySet[Any], *fields: str) -> list[dict[str, Any]]:
    """``fields`` of each row, oldest first: what a source's ``find`` returns per kind."""
    return list(queryset.order_by("pk").values(*fields))


def delete_rows(queryset: models.QuerySet[Any]) -> int:
    """The default eraser: delete the batch (cascades included), return its own row count."""
    deleted = queryset.delete()[1]
    return int(deleted.get(queryset.model._meta.label, 0))


@dataclass(frozen=True)
class RetentionKind:
    """One kind of data that is removed once older than its policy's days.

    ``expired(cutoff)`` is the queryset of rows due for removal; ``erase(batch)`` removes one
    batch of them (a queryset of at most ``RETENTION_BATCH_SIZE`` rows) and returns how many
    it removed; by default it deletes them. An eraser that keeps the row (clearing a field)
    must make it leave ``expired``, or the batches would never end.
    """

    name: str
    label: str
    default_days: int
    expired: Callable[[datetime], models.QuerySet[Any]]
    erase: Callable[[models.QuerySet[Any]], int] = delete_rows
    description: str = ""

    def count(self, cutoff: datetime) -> int:
        return self.expired(cutoff).count()

    def purge(self, cutoff: datetime) -> "Purged":
        """Remove expired rows in batches, each in its own transaction (no long lock and no
        unbounded DELETE), at most ``RETENTION_MAX_BATCHES`` batches; the rest next run."""
        size = settings.RETENTION_BATCH_SIZE
        removed = 0
        for _ in range(settings.RETENTION_MAX_BATCHES):
            with transaction.atomic():
                ids = list(self.expired(cutoff).values_list("pk", flat=True)[:size])
                if not ids:
                    return Purged(removed=removed, complete=True)
                model = self.expired(cutoff).model
                removed += self.erase(model._default_manager.filter(pk__in=ids))
        return Purged(removed=removed, complete=not self.expired(cutoff).exists())


@dataclass(frozen=True)
class Purged:
    removed: int
    complete: bool


@dataclass(frozen=True)
class PersonalDataSource:
    """A module's personal data about one address.

    ``find(address)`` returns record type -> rows (JSON-serialisable dicts, the export's
    content); ``erase(address)`` removes or anonymises them and returns record type -> how
    many. Both get the address trimmed and lower-cased, and ``erase`` runs inside the
    erasure's one transaction.
    """

    name: str
    label: str
    find: Callable[[str], Mapping[str, Rows]]
    erase: Callable[[str], Mapping[str, int]]
    # Record type -> what erasure does to it, for the page ("deleted", "anonymised"...).
    treatment: Mapping[str, str] = field(default_factory=dict)


_retention_kinds: dict[str, RetentionKind] = {}
_sources: dict[str, PersonalDataSource] = {}


def register_retention_kind(kind: RetentionKind) -> RetentionKind:
    _retention_kinds[kind.name] = kind
    return kind


def register_personal_data(source: PersonalDataSource) -> PersonalDataSource:
    _sources[source.name] = source
    return source


def retention_kinds() -> list[RetentionKind]:
    return list(_retention_kinds.values())


def retention_kind(name: str) -> RetentionKind | None:
    return _retention_kinds.get(name)


def personal_data_sources() -> list[PersonalDataSource]:
    return list(_sources.values())
