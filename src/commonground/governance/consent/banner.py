"""The consent banner's content, derived from the registry, and each visitor's choice.

The banner offers each purpose that approved technologies need consent for (a technology
marked "necessary" needs none). A visitor's choice lives in their browser (localStorage,
no cookie, so pages stay cacheable) and is sent here once, where it is recorded as the
evidence of consent (``ConsentRecord``: the browser's random id, the banner version, what
was granted and refused, when, Global Privacy Control) and counted per site and day. No
address, no user agent. Global Privacy Control refuses the marketing purposes, whatever
was clicked: the record says so, and the answer tells the browser what holds.
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from commonground.core.http.json_input import JsonInputError, parse_json

from . import selectors
from .models import ConsentRecord, ConsentTally

MAX_BODY_BYTES = 1024
# Purposes Global Privacy Control refuses: a GPC signal is a refusal of sale and sharing
# for advertising (CCPA regulations section 7025; GDPR art. 21(5)'s "automated means").
GPC_REFUSES = frozenset({"marketing"})

_FIELDS = frozenset({"id", "version", "purposes", "gpc"})


class ChoiceError(ValueError):
    """A consent choice we cannot record; the message says why, ``status`` is the answer's."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Purpose:
    name: str
    label: str
    technologies: tuple[str, ...]
    # What each technology does, in the visitor's words ("Video player (Vimeo): loads
    # videos from vimeo.com"); shown, not part of the version.
    uses: tuple[str, ...] = ()


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
            "max_age_days": settings.CONSENT_MAX_AGE_DAYS,
            "gpc_refuses": sorted(GPC_REFUSES & {p.name for p in self.purposes}),
            "purposes": [
                {"name": p.name, "label": p.label, "technologies": list(p.technologies)}
                for p in self.purposes
            ],
        }


def banner() -> Banner:
    uses = selectors.consent_uses()
    return Banner(
        tuple(
            Purpose(name, label, tuple(names), tuple(uses.get(name, names)))
            for name, label, names in selectors.consent_purposes()
        )
    )


@dataclass(frozen=True)
class Choice:
    """What a visitor chose, as the browser sent it: every purpose on offer, true or false."""

    consent_id: str
    version: str
    purposes: dict[str, bool]
    gpc: bool

    def honouring_gpc(self, header_gpc: bool) -> "Choice":
        """This choice with the marketing purposes refused when GPC is on (in the browser's
        body or its ``Sec-GPC: 1`` header)."""
        gpc = self.gpc or header_gpc
        if not gpc:
            return self
        purposes = {
            name: granted and name not in GPC_REFUSES for name, granted in self.purposes.items()
        }
        return Choice(self.consent_id, self.version, purposes, True)


def _printable(name: str) -> str:
    return name.encode("ascii", "backslashreplace").decode()[:40]


def _json(body: bytes) -> Any:
    if len(body) > MAX_BODY_BYTES:
        raise ChoiceError(f"The body is over {MAX_BODY_BYTES} bytes.", 413)
    try:
        # A choice is two levels deep; the shared reader refuses deeper nesting, odd numbers
        # and unpaired surrogates before Python's parser sees them.
        return parse_json(body, max_depth=4, duplicate_keys_allowed=False)
    except JsonInputError as error:
        raise ChoiceError(f"The body {error}.") from None


def parse_choice(body: bytes, current: Banner) -> Choice:
    """``{"id": "<random>", "version": "<banner version>", "purposes": {"<purpose>": true or
    false, ...}, "gpc": false}``, checked against the banner on offer: every purpose on it
    answered, nothing else; ``gpc`` may be left out."""
    data = _json(body)
    if not isinstance(data, dict) or "purposes" not in data:
        raise ChoiceError(
            'Expected {"id": ..., "version": ..., "purposes": {"<purpose>": true or false}}.'
        )
    unexpected = sorted(set(data) - _FIELDS)
    if unexpected:
        raise ChoiceError(f"Unexpected field: {_printable(unexpected[0])}.")
    consent_id, version = data.get("id"), data.get("version")
    if not isinstance(consent_id, str) or not selectors.is_consent_id(consent_id):
        raise ChoiceError("The id is 16 to 64 letters and digits, made at random by the browser.")
    if not isinstance(version, str):
        raise ChoiceError("The version is the banner's, a string.")
    if version != current.version:
        raise ChoiceError("The banner changed since this page was loaded: reload it.", 409)
    gpc = data.get("gpc", False)
    if not isinstance(gpc, bool):
        raise ChoiceError("gpc is true or false.")
    return Choice(consent_id, version, _purposes(data["purposes"], current), gpc)


def _purposes(purposes: Any, current: Banner) -> dict[str, bool]:
    offered = {purpose.name for purpose in current.purposes}
    if not isinstance(purposes, dict) or not purposes:
        raise ChoiceError('Expected "purposes": {"<purpose>": true or false, ...}.')
    unknown = sorted(set(purposes) - offered)
    if unknown:
        raise ChoiceError(f"Not a purpose this site asks consent for: {_printable(unknown[0])}.")
    missing = sorted(offered - set(purposes))
    if missing:
        raise ChoiceError(f"No choice for: {', '.join(missing)}.")
    if not all(isinstance(value, bool) for value in purposes.values()):
        raise ChoiceError("Each purpose's choice is true or false.")
    return dict(purposes)


def record_choice(*, site_id: int, choice: Choice) -> ConsentRecord:
    """Keep ``choice`` as a consent record and add it to today's counts, in one transaction."""
    now = timezone.now()
    with transaction.atomic():
        record = ConsentRecord.objects.create(
            consent_id=choice.consent_id,
            site_id=site_id,
            banner_version=choice.version,
            granted=sorted(name for name, granted in choice.purposes.items() if granted),
            refused=sorted(name for name, granted in choice.purposes.items() if not granted),
            gpc=choice.gpc,
            chosen_at=now,
        )
        day = timezone.localdate(now)
        for purpose, granted in sorted(choice.purposes.items()):
            _count(site_id=site_id, day=day, purpose=purpose, granted=granted)
    return record


def _count(*, site_id: int, day: Any, purpose: str, granted: bool) -> None:
    column = "granted" if granted else "declined"
    key = {"site_id": site_id, "day": day, "purpose": purpose}
    for _ in range(2):
        if ConsentTally.objects.filter(**key).update(**{column: F(column) + 1}):
            return
        try:
            with transaction.atomic():
                ConsentTally.objects.create(**key, **{column: 1})
            return
        except IntegrityError:
            continue
