"""The request workflow's admin views: list, submit, and the request page with its
questionnaire, comment thread and decision. Views parse input and call one service."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from . import approval_rules, selectors, services
from .forms import CommentForm, DecisionForm, QuestionnaireForm, RequestForm, request_prefill
from .models import ReviewAnswer, ReviewQuestion, TechnologyRequest
from .visibility import sees_costs_and_risk_reasons


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _questions(technology_request: TechnologyRequest) -> list[ReviewQuestion]:
    """The active questions, and any retired one this request already has an answer to."""
    answered = technology_request.answers.values_list("question_id", flat=True)
    return list(ReviewQuestion.objects.filter(Q(active=True) | Q(pk__in=answered)))


def request_index(request: HttpRequest) -> HttpResponse:
    _require(request, services.VIEW_REQUESTS)
    requests = selectors.requests_with_overdue().order_by("-submitted_at")
    status = request.GET.get("status", "")
    if status == "open":
        requests = requests.filter(status__in=TechnologyRequest.OPEN)
    elif status in TechnologyRequest.Status.values:
        requests = requests.filter(status=status)
    if request.GET.get("mine"):
        requests = requests.filter(requester=request.user.pk)
    page = Paginator(requests, 50).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "governance/admin/request_index.html",
        {
            "page_obj": page,
            "status": status,
            "statuses": [("open", "open"), *TechnologyRequest.Status.choices],
            "can_request": request.user.has_perm(services.REQUEST),
            "header_title": "Technology requests",
        },
    )


@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    _require(request, services.REQUEST)
    prefill = request_prefill(request.GET)
    form = RequestForm(request.POST or None, initial=prefill)
    if request.method == "GET" and prefill:
        # Opened from a scan finding or a refusal: say so when IT already rejected the host.
        host = next(value for name, value in prefill.items() if name.startswith("hosts_"))
        rejected = selectors.rejection_of(host)
        if rejected is not None:
            messages.warning(request, f"“{host}”: {rejected.sentence()}.")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = services.submit_request(
            user=request.user,
            proposal=services.Proposal(
                name=data["name"],
                vendor=data["vendor"],
                category=data["category"],
                business_purpose=data["business_purpose"],
                data_category=data["data_category"],
                data_location=data["data_location"],
                consent_purpose=data["consent_purpose"],
                annual_cost=data["annual_cost"],
            ),
            hosts=form.hosts,
            problem=data["problem"],
            expected_value=data["expected_value"],
            needed_by=data["needed_by"],
        )
        messages.success(
            request,
            f"Request submitted. IT reviews it by {created.review_due:%A %d %B %Y}.",
        )
        return redirect("governance_request", pk=created.pk)
    return TemplateResponse(
        request,
        "governance/admin/request_new.html",
        {"form": form, "header_title": "Request a technology"},
    )


def _detail(
    request: HttpRequest, technology_request: TechnologyRequest, **forms: Any
) -> TemplateResponse:
    can_review = request.user.has_perm(services.REVIEW) and technology_request.is_open
    # The decision buttons only for someone who may take it (not the requester, not the
    # first approver a second approval is awaited from); the questionnaire stays theirs.
    can_decide = can_review and approval_rules.may_decide(
        user_id=request.user.pk, request=technology_request
    )
    questions = _questions(technology_request)
    answers = {a.question_id: a for a in technology_request.answers.select_related("answered_by")}
    questionnaire = forms.get("questionnaire")
    if questionnaire is None and can_review:
        initial = {}
        for question_id, answer in answers.items():
            initial[f"answer_{question_id}"] = answer.answer
            initial[f"note_{question_id}"] = answer.note
        questionnaire = QuestionnaireForm(questions=questions, initial=initial)
    technology = technology_request.technology
    return TemplateResponse(
        request,
        "governance/admin/request_detail.html",
        {
            "object": technology_request,
            "technology": technology,
            "hosts": technology.hosts.all(),
            "questions": [(q, answers.get(q.pk)) for q in questions],
            "answer_choices": ReviewAnswer.Answer,
            "comments": technology_request.comments.select_related("author"),
            "can_review": can_review,
            "can_decide": can_decide,
            "sees_risk_reasons": sees_costs_and_risk_reasons(request.user),
            "own_decision_reason": _own_decision_reason(request, technology_request)
            if can_review and not can_decide
            else "",
            "added_hosts": [tuple(pair) for pair in technology_request.added_hosts],
            "can_comment": request.user.has_perm(services.COMMENT),
            "questionnaire": questionnaire,
            "comment_form": forms.get("comment_form") or CommentForm(),
            "decision_form": forms.get("decision_form") or DecisionForm(),
            "header_title": str(technology_request),
        },
        status=400 if forms else 200,
    )


def _own_decision_reason(request: HttpRequest, technology_request: TechnologyRequest) -> str:
    try:
        approval_rules.refuse_own_decision(user_id=request.user.pk, request=technology_request)
    except approval_rules.OwnDecisionError as refused:
        return refused.reason
    return ""


def _get(pk: int) -> TechnologyRequest:
    return get_object_or_404(selectors.requests_with_overdue(), pk=pk)


def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, services.VIEW_REQUESTS)
    return _detail(request, _get(pk))


def _closed(
    request: HttpRequest, technology_request: TechnologyRequest, error: Any
) -> HttpResponseRedirect:
    messages.error(request, str(error))
    return redirect("governance_request", pk=technology_request.pk)


@require_POST
def request_answers(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, services.REVIEW)
    technology_request = _get(pk)
    form = QuestionnaireForm(request.POST, questions=_questions(technology_request))
    if not form.is_valid():
        return _detail(request, technology_request, questionnaire=form)
    try:
        services.answer_questionnaire(
            user=request.user, request=technology_request, answers=form.answers()
        )
    except (services.RequestClosedError, ValidationError) as error:
        return _closed(request, technology_request, error)
    messages.success(request, "Answers saved.")
    return redirect("governance_request", pk=pk)


@require_POST
def request_comment(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, services.COMMENT)
    technology_request = _get(pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _detail(request, technology_request, comment_form=form)
    try:
        services.add_comment(
            user=request.user, request=technology_request, body=form.cleaned_data["body"]
        )
    except ValidationError as error:
        form.add_error("body", error)
        return _detail(request, technology_request, comment_form=form)
    return redirect(reverse("governance_request", args=[pk]) + "#comments")


@require_POST
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, services.REVIEW)
    technology_request = _get(pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _detail(request, technology_request, decision_form=form)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        decided = services.decide(
            user=request.user,
            request=technology_request,
            approve=approve,
            rationale=form.cleaned_data["rationale"],
        )
    except approval_rules.OwnDecisionError as refused:
        # A 403 saying why (Wagtail would turn PermissionDenied into a dashboard redirect).
        services.refuse_own_decision_attempt(
            user=request.user, request=technology_request, reason=refused.reason
        )
        return HttpResponseForbidden(refused.reason, content_type="text/plain; charset=utf-8")
    except services.RequestClosedError as error:
        return _closed(request, technology_request, error)
    except ValidationError as error:
        form.add_error(None, error)
        return _detail(request, technology_request, decision_form=form)
    if decided.is_open:
        messages.success(
            request,
            f"Your approval is recorded: {decided.technology.name} is critical tier and goes "
            "live once a second, different IT administrator approves it.",
        )
    else:
        messages.success(
            request, f"{decided.technology.name} is {decided.technology.get_status_display()}."
        )
    return redirect("governance_request", pk=pk)


urlpatterns = [
    path("governance/requests/", request_index, name="governance_requests"),
    path("governance/requests/new/", request_new, name="governance_request_new"),
    path("governance/requests/<id:pk>/", request_detail, name="governance_request"),
    path(
        "governance/requests/<id:pk>/answers/", request_answers, name="governance_request_answers"
    ),
    path(
        "governance/requests/<id:pk>/comments/", request_comment, name="governance_request_comment"
    ),
    path("governance/requests/<id:pk>/decision/", request_decide, name="governance_request_decide"),
]
