"""Four eyes on the registry's decisions: who may decide a request, what its answers must say
before it can be approved, and which host changes to an approved entry need a new review.
Reads only; ``services`` applies these rules inside its transactions."""

from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied, ValidationError

from .hosts import host_matches
from .models import ReviewAnswer, ReviewQuestion, Technology, TechnologyRequest
from .risk import needs_every_answer, processes_personal_data

HostPair = tuple[str, str]  # (directive, host)


class OwnDecisionError(PermissionDenied):
    """The one asking for something does not decide it (nor approve it twice)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def refuse_own_decision(*, user_id: int | None, request: TechnologyRequest) -> None:
    """OwnDecisionError when ``user_id`` filed the request (or, for a change review, edited
    the hosts it reviews), or approved it already and a second approver is awaited."""
    if user_id is not None and user_id == request.requester_id:
        what = "changed these hosts" if request.added_hosts else "asked for this technology"
        raise OwnDecisionError(
            f"You {what}: another IT administrator decides it (no one decides their own request)."
        )
    if user_id is not None and user_id == request.first_approved_by_id:
        raise OwnDecisionError(
            "You approved this already: a second, different IT administrator must approve it "
            "before it goes live."
        )


def may_decide(*, user_id: int | None, request: TechnologyRequest) -> bool:
    try:
        refuse_own_decision(user_id=user_id, request=request)
    except OwnDecisionError:
        return False
    return True


def missing_answers(
    *, technology: Technology, questions: Iterable[ReviewQuestion], answers: Mapping[int, str]
) -> list[str]:
    """Why the answers (question id -> answer) do not allow approval yet, one message per
    question, naming it; empty when they do."""
    problems = []
    personal = processes_personal_data(technology.data_category)
    every = needs_every_answer(technology.risk_tier)
    if personal and not technology.dpa_signed:
        problems.append(
            f"The tool processes {technology.data_category} data: record the signed "
            "data-processing agreement in its registry entry before approving it."
        )
    for question in questions:
        answer = answers.get(question.pk, "")
        required = question.required
        if required == ReviewQuestion.Required.PERSONAL_DATA and personal:
            if answer != ReviewAnswer.Answer.YES:
                given = f"“{answer}”" if answer else "no answer"
                problems.append(
                    f"“{question.text}” needs “yes” for a tool that processes "
                    f"{technology.data_category} data ({given} given): a signed "
                    "data-processing agreement comes before approval."
                )
        elif required != ReviewQuestion.Required.NEVER and every and not answer:
            problems.append(
                f"“{question.text}” needs an answer before a {technology.risk_tier}-tier "
                "tool is approved."
            )
    return problems


def widening(*, before: Iterable[HostPair], after: Iterable[HostPair]) -> list[HostPair]:
    """The hosts in ``after`` that ``before`` does not cover: a new host, a wider wildcard or a
    new directive. A host an earlier one covers (``cdn.example.com`` under ``*.example.com``,
    or ``*.a.example.com`` under it) narrows and needs no review."""
    old: dict[str, list[str]] = {}
    for directive, host in before:
        old.setdefault(directive, []).append(host)
    return [
        (directive, host)
        for directive, host in dict.fromkeys(after)
        if not any(host_matches(pattern, host) for pattern in old.get(directive, ()))
    ]


def refuse_direct_approval(*, technology: Technology, previous_status: str | None) -> None:
    """ValidationError when the registry form would approve what only a request may: a
    critical entry (two IT approvers), or one with personal data and no signed agreement."""
    approving = technology.status == Technology.Status.APPROVED and (
        previous_status != Technology.Status.APPROVED
    )
    if not approving:
        return
    if technology.risk_tier == "critical":
        raise ValidationError(
            "A critical-tier entry is approved through a technology request, by two different "
            "IT administrators, not by editing the registry."
        )
    if processes_personal_data(technology.data_category) and not technology.dpa_signed:
        raise ValidationError(
            f"This tool processes {technology.data_category} data: it is approved only with a "
            "signed data-processing agreement."
        )
