"""Who sees what of a registry entry: costs and risk reasons are for the leads and IT only
(issue 14, point 10); everyone else sees the entry without them, in pages and exports."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from commonground.core.roles import IT_ADMINISTRATOR, IT_LEAD, MARKETING_LEAD

COST_AND_RISK_ROLES = (IT_ADMINISTRATOR, IT_LEAD, MARKETING_LEAD)
# The entry's fields only those roles see.
CONFIDENTIAL_FIELDS = ("annual_cost", "risk_reason")


def sees_costs_and_risk_reasons(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    groups = getattr(user, "groups", None)
    return groups is not None and groups.filter(name__in=COST_AND_RISK_ROLES).exists()


def visible_fields(user: AbstractBaseUser | AnonymousUser, fields: list[str]) -> list[str]:
    """``fields`` without the confidential ones, unless ``user`` may see them."""
    if sees_costs_and_risk_reasons(user):
        return list(fields)
    return [field for field in fields if field not in CONFIDENTIAL_FIELDS]
