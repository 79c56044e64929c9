"""The consent banner's content, derived from the registry, and the count of choices.

The banner offers each purpose that approved technologies need consent for (a technology
marked "necessary" needs none). A visitor's choice stays in their browser (localStorage,
no cookie, so pages stay cacheable); the server only counts, per site and day, how many
agreed to or declined each purpose: no address, no identifier, nothing about the visitor.
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from . import selectors
from .models import ConsentTally

MAX_BODY_BYTES = 1024


class ChoiceError(ValueError):
    """A consent choice we cannot count; the message says why."""


@dataclass(frozen=True)
class Purpose:
    name: str
    label: str
    technologies: tuple[str, ...]


@dataclass(frozen=True)
class Banner:
    purposes: tuple[Purpose, ...]

    @property
    def version(self) -> str:
        """Changes when a purpose or a technology is added or removed: the visitor is asked
        again, since they agreed to a different list."""
        text = json.dumps([[p.name, *p.technologies] for p in self.purposes])
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "purposes": [
                {"name": p.name, "label": p.label, "technologies": list(p.technologies)}
                for p in self.purposes
            ],
        }


def banner() -> Banner:
    return Banner(
        tuple(
            Purpose(name, label, tuple(names))
            for name, label, names in selectors.consent_purposes()
        )
    )


def parse_choice(body: bytes, offered: set[str]) -> dict[str, bool]:
    """``{"purposes": {"marketing": true, ...}}`` checked against the purposes on offer."""
    if len(body) > MAX_BODY_BYTES:
        raise ChoiceError(f"The body is over {MAX_BODY_BYTES} bytes.")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ChoiceError("The body is not JSON.") from None
    purposes = data.get("purposes") if isinstance(data, dict) else None
    if not isinstance(purposes, dict) or not purposes:
        raise ChoiceError('Expected {"purposes": {"<purpose>": true or false, ...}}.')
    unknown = sorted(set(purposes) - offered)
    if unknown:
        raise ChoiceError(f"Not a purpose this site asks consent for: {', '.join(unknown)[:200]}.")
    if not all(isinstance(value, bool) for value in purposes.values()):
        raise ChoiceError("Each purpose's choice is true or false.")
    return dict(purposes)


def record_choice(*, site_id: int, choice: dict[str, bool]) -> None:
    """Add one visitor's choice to today's counts."""
    day = timezone.localdate()
    for purpose, granted in sorted(choice.items()):
        column = "granted" if granted else "declined"
        key = {"site_id": site_id, "day": day, "purpose": purpose}
        for _ in range(2):
            if ConsentTally.objects.filter(**key).update(**{column: F(column) + 1}):
                break
            try:
                with transaction.atomic():
                    ConsentTally.objects.create(**key, **{column: 1})
                break
            except IntegrityError:
                continue
