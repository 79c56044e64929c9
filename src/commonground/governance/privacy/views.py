"""The privacy pages (IT administrators only): retention policies and the runs' report, and
data-subject requests. Views parse input and call one service.

The address is never put in a URL (it would land in access logs and browser history): each
step is a POST carrying it, and the page after an erasure shows the request by number."""

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..permissions import CHANGE_RETENTION, HANDLE_DATA_SUBJECTS, VIEW_RETENTION
from . import data_subjects, retention
from .forms import AddressForm, EraseForm, PolicyForm, RequestStepForm
from .models import DataSubjectRequest


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


# --- retention ------------------------------------------------------------------------------


@require_GET
def retention_index(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW_RETENTION)
    policies = retention.policies()
    labels = {p.kind.name: p.kind.label for p in policies}
    runs = [
        (run, [(kind, labels.get(kind, kind), count) for kind, count in run.removed.items()])
        for run in retention.latest_runs()
    ]
    return TemplateResponse(
        request,
        "governance/privacy/retention_index.html",
        {
            "policies": policies,
            "runs": runs,
            "can_change": request.user.has_perm(CHANGE_RETENTION),
            "header_title": "Retention",
        },
    )


@require_GET
def retention_preview(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW_RETENTION)
    return TemplateResponse(
        request,
        "governance/privacy/retention_preview.html",
        {"due": retention.preview(), "header_title": "Retention: what a run would remove now"},
    )


@require_http_methods(["GET", "POST"])
def retention_policy(request: HttpRequest, kind: str) -> HttpResponse:
    _require(request, CHANGE_RETENTION)
    current = retention.policy(kind)
    if current is None:
        raise Http404("no such kind of data")
    # Not ``request.POST or None``: an empty POST is still a POST, and gets the form's errors.
    form = PolicyForm(
        request.POST if request.method == "POST" else None,
        initial={"days": current.days, "enabled": current.enabled},
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = retention.change_policy(
                user=request.user,
                kind=kind,
                days=form.cleaned_data["days"],
                enabled=form.cleaned_data["enabled"],
            )
        except ValidationError as error:
            form.add_error("days", error)
        else:
            state = f"kept {changed.days} days" if changed.enabled else "kept (not enforced)"
            messages.success(request, f"{changed.kind.label}: {state}.")
            return redirect("governance_retention")
    return TemplateResponse(
        request,
        "governance/privacy/retention_policy.html",
        {"form": form, "policy": current, "header_title": f"Retention: {current.kind.label}"},
        status=400 if form.errors else 200,
    )


@require_POST
def retention_run(request: HttpRequest) -> HttpResponse:
    _require(request, CHANGE_RETENTION)
    retention.request_run(user=request.user)
    messages.success(request, "Retention run queued: its report appears here when it is done.")
    return redirect("governance_retention")


# --- data-subject requests ------------------------------------------------------------------


def _search_page(request: HttpRequest, form: AddressForm) -> HttpResponse:
    return TemplateResponse(
        request,
        "governance/privacy/data_subject_search.html",
        {"form": form, "header_title": "Data-subject requests"},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def data_subject_search(request: HttpRequest) -> HttpResponse:
    _require(request, HANDLE_DATA_SUBJECTS)
    if request.method == "GET":
        return _search_page(request, AddressForm())
    form = AddressForm(request.POST)
    if not form.is_valid():
        return _search_page(request, form)
    findings = data_subjects.find(user=request.user, address=form.cleaned_data["address"])
    return _results(request, findings)


def _results(
    request: HttpRequest, findings: data_subjects.Findings, erase_form: EraseForm | None = None
) -> HttpResponse:
    step = {"address": findings.address, "request": findings.request.pk}
    return TemplateResponse(
        request,
        "governance/privacy/data_subject_results.html",
        {
            "findings": findings,
            "export_form": RequestStepForm(initial=step),
            "erase_form": erase_form or EraseForm(initial=step),
            "header_title": f"Data-subject request {findings.request.pk}",
        },
        status=400 if erase_form is not None else 200,
    )


def _step_failed(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect("governance_data_subjects")


@require_POST
def data_subject_export(request: HttpRequest) -> HttpResponse:
    _require(request, HANDLE_DATA_SUBJECTS)
    form = RequestStepForm(request.POST)
    if not form.is_valid():
        return _step_failed(request, "The export form was incomplete; search again.")
    try:
        document = data_subjects.export(
            user=request.user,
            request_id=form.cleaned_data["request"],
            address=form.cleaned_data["address"],
        )
    except data_subjects.RequestMismatchError as error:
        return _step_failed(request, str(error))
    response = HttpResponse(
        json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    name = f"personal-data-request-{document['request']}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def data_subject_erase(request: HttpRequest) -> HttpResponse:
    _require(request, HANDLE_DATA_SUBJECTS)
    form = EraseForm(request.POST)
    if not form.is_valid():
        address = form.cleaned_data.get("address")
        request_id = form.cleaned_data.get("request")
        if not address or not request_id:
            return _step_failed(request, "The erasure form was incomplete; search again.")
        # Show what is held again, with the form's message, and erase nothing.
        try:
            case = data_subjects.request_for(request_id, address)
        except data_subjects.RequestMismatchError as error:
            return _step_failed(request, str(error))
        findings = data_subjects.Findings(case, address, data_subjects.holdings(address))
        return _results(request, findings, erase_form=form)
    try:
        erased = data_subjects.erase(
            user=request.user,
            request_id=form.cleaned_data["request"],
            address=form.cleaned_data["address"],
            anonymise_accounts=form.cleaned_data["anonymise_accounts"],
        )
    except data_subjects.RequestMismatchError as error:
        return _step_failed(request, str(error))
    except ValidationError as error:
        return _step_failed(request, " ".join(error.messages))
    messages.success(request, f"Erased: data-subject request {erased.pk} is complete.")
    return redirect("governance_data_subject", pk=erased.pk)


def _get_case(pk: int) -> DataSubjectRequest:
    return get_object_or_404(DataSubjectRequest, pk=pk)


@require_GET
def data_subject_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, HANDLE_DATA_SUBJECTS)
    case = _get_case(pk)
    return TemplateResponse(
        request,
        "governance/privacy/data_subject_detail.html",
        {"case": case, "header_title": str(case), "sections": _sections(case)},
    )


def _sections(case: DataSubjectRequest) -> list[tuple[str, Any, Any]]:
    """(module, found counts, erased counts) for the request's page."""
    names = list(dict.fromkeys([*case.found, *case.erased]))
    return [(name, case.found.get(name, {}), case.erased.get(name, {})) for name in names]


urlpatterns = [
    path("governance/retention/", retention_index, name="governance_retention"),
    path("governance/retention/preview/", retention_preview, name="governance_retention_preview"),
    path("governance/retention/run/", retention_run, name="governance_retention_run"),
    path("governance/retention/<slug:kind>/", retention_policy, name="governance_retention_policy"),
    path("governance/data-subjects/", data_subject_search, name="governance_data_subjects"),
    path(
        "governance/data-subjects/export/",
        data_subject_export,
        name="governance_data_subject_export",
    ),
    path(
        "governance/data-subjects/erase/", data_subject_erase, name="governance_data_subject_erase"
    ),
    path(
        "governance/data-subjects/<id:pk>/",
        data_subject_detail,
        name="governance_data_subject",
    ),
]
