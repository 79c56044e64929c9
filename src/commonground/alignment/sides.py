"""The two sides of the table (marketing, IT) and the joint ground, and who leads each side.

A user's side follows from their roles: the Marketing roles are marketing's, IT Administrator
and IT Lead are IT's; the Viewer belongs to neither (and reads everything, like every role).
Leads own their side's goals and budget lines; anything joint needs both leads.
"""

from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import models

from commonground.core.roles import (
    IT_ADMINISTRATOR,
    IT_LEAD,
    MARKETING_EDITOR,
    MARKETING_LEAD,
    MARKETING_PUBLISHER,
)

User = AbstractBaseUser | AnonymousUser


class Side(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    IT = "it", "IT"
    JOINT = "joint", "Joint"


def side_label(side: str) -> str:
    """ "Marketing", "IT" or "Joint" for a stored side (the value itself when none of them)."""
    return str(Side(side).label) if side in Side.values else side


class Party(StrEnum):
    """One of the two sides that sit at the table (joint is what they share, not a party)."""

    MARKETING = "marketing"
    IT = "it"

    @property
    def other(self) -> "Party":
        return Party.IT if self is Party.MARKETING else Party.MARKETING

    @property
    def label(self) -> str:
        return "Marketing" if self is Party.MARKETING else "IT"

    @property
    def lead_role(self) -> str:
        return MARKETING_LEAD if self is Party.MARKETING else IT_LEAD


LEAD_ROLES = {MARKETING_LEAD: Party.MARKETING, IT_LEAD: Party.IT}
SIDE_ROLES = {
    MARKETING_LEAD: Party.MARKETING,
    MARKETING_EDITOR: Party.MARKETING,
    MARKETING_PUBLISHER: Party.MARKETING,
    IT_LEAD: Party.IT,
    IT_ADMINISTRATOR: Party.IT,
}


def _group_names(user: User) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_alignment_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
        setattr(user, "_alignment_groups", cached)  # noqa: B010  (a per-request cache)
    return cached


def led_party(user: User) -> Party | None:
    """The side ``user`` leads, or None. A user holding both lead roles leads neither: the
    four-eyes rule needs two people."""
    led = {LEAD_ROLES[name] for name in _group_names(user) if name in LEAD_ROLES}
    return led.pop() if len(led) == 1 else None


def party_of(user: User) -> Party | None:
    """The side ``user`` sits on (a lead's side first), or None (the Viewer, or both)."""
    if (led := led_party(user)) is not None:
        return led
    parties = {SIDE_ROLES[name] for name in _group_names(user) if name in SIDE_ROLES}
    return parties.pop() if len(parties) == 1 else None


def leads(user: User, side: str) -> bool:
    """Whether ``user`` leads ``side`` ("marketing" or "it"; nobody alone leads "joint")."""
    party = led_party(user)
    return party is not None and party.value == side


def require_lead(user: User, side: str) -> Party:
    """The party ``user`` leads, when it is ``side`` (or ``side`` is joint and they lead
    either); PermissionDenied naming what is missing otherwise."""
    party = led_party(user)
    if party is None:
        raise PermissionDenied("Only the Marketing Lead or the IT Lead may do this.")
    if side != Side.JOINT and party.value != side:
        raise PermissionDenied(f"Only the {Party(side).label} Lead may do this.")
    return party
