"""The scorecard's admin pages: every role reads them; leads make and change goals, and the
other lead accepts or rejects a joint goal's proposal."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from ..metrics.base import all_metrics
from ..models import CheckIn, Goal, GoalProposal
from ..refusals import explain_refusals
from ..sides import led_party
from . import selectors, services
from .forms import CheckInForm, DecisionForm, GoalForm

PERIODS = {"current": "Running now", "previous": "Ended last quarter", "all": "All goals"}


def _period(request: HttpRequest) -> str:
    chosen = request.GET.get("period", "current")
    return chosen if chosen in PERIODS else "current"


def scorecard(request: HttpRequest) -> HttpResponse:
    period = _period(request)
    card = selectors.build_scorecard(selectors.goals_for(period), live=False, with_trends=True)
    return TemplateResponse(
        request,
        "alignment/scorecard/index.html",
        {
            "header_title": "Shared scorecard",
            "scorecard": card,
            "period": period,
            "periods": PERIODS,
            "lead": led_party(request.user),
        },
    )


@require_POST
def refresh(request: HttpRequest) -> HttpResponse:
    count = services.snapshot_goals()
    messages.success(request, f"Recomputed {count} goals from live data.")
    return HttpResponseRedirect(reverse("alignment_scorecard"))


def goal_detail(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = get_object_or_404(Goal.objects.prefetch_related("guardrails"), pk=goal_id)
    card = selectors.build_scorecard([goal], live=False, with_trends=True).cards[0]
    return TemplateResponse(
        request,
        "alignment/scorecard/goal_detail.html",
        {
            "header_title": goal.name,
            "goal": goal,
            "card": card,
            "guarding": goal.guarding.filter(archived=False),
            "history": selectors.goal_history(goal),
            "proposals": goal.proposals.select_related("proposed_by", "decided_by"),
            "lead": led_party(request.user),
        },
    )


def _lead_or_refuse(request: HttpRequest) -> Any:
    party = led_party(request.user)
    if party is None:
        raise PermissionDenied("Only the Marketing Lead or the IT Lead makes and changes goals.")
    return party


def _goal_form_response(
    request: HttpRequest, form: GoalForm, goal: Goal | None
) -> TemplateResponse:
    return TemplateResponse(
        request,
        "alignment/scorecard/goal_form.html",
        {
            "header_title": f"Change “{goal.name}”" if goal else "New goal",
            "form": form,
            "goal": goal,
            "metrics": all_metrics(),
        },
    )


@explain_refusals
def goal_new(request: HttpRequest) -> HttpResponse:
    party = _lead_or_refuse(request)
    if request.method != "POST":
        return _goal_form_response(request, GoalForm(party=party), None)
    form = GoalForm(request.POST, party=party)
    if form.is_valid():
        try:
            outcome = services.create_goal(
                user=request.user, spec=form.spec(), reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, outcome.message)
            if outcome.proposal is not None:
                return HttpResponseRedirect(
                    reverse("alignment_proposal", args=[outcome.proposal.pk])
                )
            assert outcome.goal is not None
            return HttpResponseRedirect(reverse("alignment_goal", args=[outcome.goal.pk]))
    return _goal_form_response(request, form, None)


@explain_refusals
def goal_edit(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = get_object_or_404(Goal, pk=goal_id)
    party = _lead_or_refuse(request)
    if request.method != "POST":
        form = GoalForm(party=party, goal=goal, initial=GoalForm.initial_for(goal))
        return _goal_form_response(request, form, goal)
    form = GoalForm(request.POST, party=party, goal=goal)
    if form.is_valid():
        try:
            outcome = services.change_goal(
                user=request.user, goal=goal, spec=form.spec(), reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, outcome.message)
            if outcome.proposal is not None:
                return HttpResponseRedirect(
                    reverse("alignment_proposal", args=[outcome.proposal.pk])
                )
            return HttpResponseRedirect(reverse("alignment_goal", args=[goal.pk]))
    return _goal_form_response(request, form, goal)


@require_POST
@explain_refusals
def goal_archive(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = get_object_or_404(Goal, pk=goal_id)
    try:
        outcome = services.archive_goal(
            user=request.user, goal=goal, reason=request.POST.get("reason", "")[:2000]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(reverse("alignment_goal", args=[goal.pk]))
    if outcome.proposal is not None:
        messages.success(request, outcome.message)
        return HttpResponseRedirect(reverse("alignment_proposal", args=[outcome.proposal.pk]))
    messages.success(request, f"Archived “{goal.name}”.")
    return HttpResponseRedirect(reverse("alignment_scorecard"))


def proposal_detail(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = get_object_or_404(
        GoalProposal.objects.select_related("goal", "proposed_by", "decided_by"), pk=proposal_id
    )
    party = led_party(request.user)
    return TemplateResponse(
        request,
        "alignment/scorecard/proposal.html",
        {
            "header_title": str(proposal),
            "proposal": proposal,
            "changes": selectors.proposal_changes(proposal),
            "may_decide": party is not None and party.value != proposal.proposer_side,
            "may_withdraw": proposal.proposed_by_id == request.user.pk,
            "form": DecisionForm(),
        },
    )


@require_POST
@explain_refusals
def proposal_decide(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = get_object_or_404(GoalProposal, pk=proposal_id)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    decision = request.POST.get("decision", "")
    try:
        if decision == "accept":
            goal = services.accept_proposal(user=request.user, proposal=proposal, note=note)
            messages.success(request, f"Accepted: “{goal.name}” is on the scorecard.")
            return HttpResponseRedirect(reverse("alignment_goal", args=[goal.pk]))
        if decision == "reject":
            services.reject_proposal(user=request.user, proposal=proposal, note=note)
            messages.success(request, "Rejected; the proposer sees your note.")
        elif decision == "withdraw":
            services.withdraw_proposal(user=request.user, proposal=proposal)
            messages.success(request, "Withdrawn.")
        else:
            messages.error(request, "Choose accept, reject or withdraw.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return HttpResponseRedirect(reverse("alignment_proposal", args=[proposal.pk]))


@explain_refusals
def check_ins(request: HttpRequest) -> HttpResponse:
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_check_in(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, "Check-in recorded.")
            return HttpResponseRedirect(reverse("alignment_check_ins"))
    return TemplateResponse(
        request,
        "alignment/scorecard/check_ins.html",
        {
            "header_title": "Manual check-ins",
            "form": form,
            "check_ins": CheckIn.objects.select_related("entered_by")[:200],
            "lead": led_party(request.user),
        },
    )


def catalogue(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(
        request,
        "alignment/scorecard/catalogue.html",
        {"header_title": "Metric catalogue", "metrics": all_metrics()},
    )
