"""What the posture page warns of in the registry: critical entries approved by one person,
wildcard script hosts, personal data processed without a signed agreement."""

from dataclasses import dataclass

from django.db.models import F, Q

from .models import Technology, TechnologyHost, TechnologyRequest
from .risk import PERSONAL_DATA


@dataclass(frozen=True)
class RiskyApprovals:
    single_approver_critical: list[str]
    wildcard_script_hosts: list[str]  # "entry: *.host"
    personal_data_without_dpa: list[str]


def risky_approvals() -> RiskyApprovals:
    approved = Technology.objects.filter(status=Technology.Status.APPROVED)
    # Two approvers: an approved request on record with a first approver other than its
    # decider. An entry made approved without such a request had one pair of eyes at most.
    two_approvers = TechnologyRequest.objects.filter(
        status=TechnologyRequest.Status.APPROVED, first_approved_by__isnull=False
    ).exclude(first_approved_by=F("decided_by"))
    single = (
        approved.filter(risk_tier="critical")
        .exclude(pk__in=two_approvers.filter(added_hosts=[]).values("technology_id"))
        .order_by("name")
        .values_list("name", flat=True)
    )
    wildcards = (
        TechnologyHost.objects.filter(
            technology__status=Technology.Status.APPROVED,
            directive=TechnologyHost.Directive.SCRIPT,
            host__startswith="*.",
            pending=False,
        )
        .select_related("technology")
        .order_by("technology__name", "host")
    )
    without_dpa = (
        approved.filter(Q(data_category__in=[c.value for c in PERSONAL_DATA]), dpa_signed=False)
        .order_by("name")
        .values_list("name", flat=True)
    )
    return RiskyApprovals(
        single_approver_critical=list(single),
        wildcard_script_hosts=[f"{row.technology.name}: {row.host}" for row in wildcards],
        personal_data_without_dpa=list(without_dpa),
    )
