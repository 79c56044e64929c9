"""The budget's admin pages: plan vs actual, the import, campaigns with ROI, reallocations and
business cases. Every role reads them; a write parses its form and calls one service, and a
refusal is a 403 page saying why (``explain_refusals``, as on every alignment page) or a form
error naming the field."""

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commonground.core.spreadsheet_cells import csv_lines

from ..models.budget import ActualImport, BudgetLine, BudgetPeriod, BusinessCase, Campaign
from ..models.budget import Reallocation as ReallocationRow
from ..periods import Quarter
from ..refusals import explain_refusals
from ..sides import Party, led_party
from . import actuals_import, finance_csv, forms, selectors, services
from .money import currency, format_money
from .outcomes import case_outcome
from .roi import campaign_roi

NAV = (
    ("alignment_budget_index", "Plan vs actual"),
    ("alignment_budget_import", "Import actuals"),
    ("alignment_budget_campaigns", "Campaigns and ROI"),
    ("alignment_budget_reallocations", "Reallocations"),
    ("alignment_budget_cases", "Business cases"),
)


def _page(
    request: HttpRequest, template: str, title: str, context: dict[str, Any], status: int = 200
) -> TemplateResponse:
    return TemplateResponse(
        request,
        f"alignment/budget/{template}",
        {
            "header_title": title,
            "page_title": title,
            "nav": [(reverse(name), label, request.path == reverse(name)) for name, label in NAV],
            "currency": currency(),
            "led": led_party(request.user),
            **context,
        },
        status=status,
    )


def _add_errors(form: django_forms.BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


Written = TypeVar("Written")


def _submitted(
    form: django_forms.BaseForm, write: Callable[[dict[str, Any]], Written]
) -> Written | None:
    """What ``write`` (one service call) made of the form's cleaned data, or None with every
    problem on the form: its own and the service's ValidationError. A PermissionDenied goes
    through to ``explain_refusals``."""
    if not form.is_valid():
        return None
    try:
        return write(form.cleaned_data)
    except ValidationError as error:
        _add_errors(form, error)
        return None


def _quarter(request: HttpRequest) -> Quarter:
    try:
        return Quarter.of(date.fromisoformat(request.GET.get("period", "")))
    except ValueError:
        return Quarter.of(timezone.localdate())


# --- plan vs actual -------------------------------------------------------------------------


@require_GET
def budget_index(request: HttpRequest) -> HttpResponse:
    return _index(request)


def _index(request: HttpRequest, status: int = 200, **bound: django_forms.Form) -> HttpResponse:
    quarter = _quarter(request)
    period = BudgetPeriod.objects.filter(start=quarter.start).first()
    summaries = selectors.plan_vs_actual(period) if period else []
    entries = selectors.actual_entries(period) if period else []
    led = led_party(request.user)
    plan_form = bound.get("plan_form") or forms.PlanForm(
        initial={"quarter": quarter.start.isoformat(), "side": led.value if led else ""}
    )
    actual_form = bound.get("actual_form") or forms.ActualForm(
        initial={"day": min(max(timezone.localdate(), quarter.start), quarter.end)}
    )
    if led is not None and period is not None:
        actual_form.fields["line"].queryset = BudgetLine.objects.filter(  # type: ignore[attr-defined]
            period=period, side=led.value
        ).select_related("period")
    return _page(
        request,
        "index.html",
        "Budget",
        {
            "quarter": quarter,
            "previous": quarter.previous.start.isoformat(),
            "next": quarter.next.start.isoformat(),
            "period": period,
            "summaries": summaries,
            "sides": [
                (total, [s for s in summaries if s.side == total.side])
                for total in selectors.side_totals(summaries)
            ],
            "registry": [e for e in entries if e.source == "registry"],
            "entries": [e for e in entries if e.source != "registry"][:100],
            "renewals": selectors.renewals_due(within_days=90),
            "plan_form": plan_form,
            "actual_form": actual_form,
        },
        status=status,
    )


@require_POST
@explain_refusals
def plan_line(request: HttpRequest) -> HttpResponse:
    form = forms.PlanForm(request.POST)
    line = _submitted(
        form,
        lambda data: services.plan_line(
            user=request.user,
            day=data["quarter"],
            side=data["side"],
            category=data["category"],
            planned=data["planned"],
            note=data["note"],
        ),
    )
    if line is None:
        return _index(request, status=400, plan_form=form)
    messages.success(request, f"{line} is planned at {format_money(line.planned)}.")
    return redirect(f"{reverse('alignment_budget_index')}?period={line.period.start}")


@require_POST
@explain_refusals
def enter_actual(request: HttpRequest) -> HttpResponse:
    form = forms.ActualForm(request.POST)
    actual = _submitted(form, lambda data: services.enter_actual(user=request.user, **data))
    if actual is None:
        return _index(request, status=400, actual_form=form)
    messages.success(request, f"{format_money(actual.amount)} recorded on {actual.line}.")
    return redirect(f"{reverse('alignment_budget_index')}?period={actual.line.period.start}")


@require_GET
def actuals_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The quarter's actuals, registry costs included, as CSV (every cell formula-safe)."""
    quarter = _quarter(request)
    period = get_object_or_404(BudgetPeriod, start=quarter.start)
    rows = (
        [
            e.day.isoformat() if e.day else "",
            str(e.amount),
            currency(),
            e.side_label,
            e.category_label,
            e.description,
            e.utm_campaign,
            e.source_label,
        ]
        for e in selectors.actual_entries(period)
    )
    header = ["date", "amount", "currency", "side", "category", "description", "utm_campaign"]
    response = StreamingHttpResponse(
        csv_lines([*header, "source"], rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="actuals-{quarter.start}.csv"'
    return response


# --- the finance CSV ------------------------------------------------------------------------


def _import_page(
    request: HttpRequest,
    form: forms.ImportForm,
    problems: tuple[finance_csv.RowProblem, ...] = (),
    status: int = 200,
) -> HttpResponse:
    return _page(
        request,
        "import.html",
        "Import actuals",
        {
            "form": form,
            "problems": problems,
            "columns": finance_csv.COLUMNS,
            "max_mb": finance_csv.megabytes(finance_csv.MAX_FILE_BYTES),
            "max_rows": finance_csv.MAX_ROWS,
            "imports": ActualImport.objects.select_related("uploaded_by")[:20],
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@explain_refusals
def import_actuals(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _import_page(request, forms.ImportForm())
    form = forms.ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form, status=400)
    try:
        batch = actuals_import.upload_finance_file(
            user=request.user, file_name=form.cleaned_data["file"].name or "", data=form.file_bytes
        )
    except finance_csv.FinanceFileError as error:
        form.add_error("file", str(error))
        return _import_page(request, form, status=400)
    except actuals_import.ImportProblems as error:
        form.add_error("file", str(error))
        return _import_page(request, form, problems=error.problems, status=400)
    return redirect("alignment_budget_import_preview", pk=batch.pk)


def _preview_page(
    request: HttpRequest, batch: ActualImport, problems: tuple[Any, ...] = (), status: int = 200
) -> HttpResponse:
    preview = None
    refusal = ""
    if batch.status == ActualImport.Status.PREVIEWED and batch.uploaded_by is not None:
        try:
            check = actuals_import.check_finance_file(user=batch.uploaded_by, text=batch.text)
        except PermissionDenied as error:  # the uploader no longer leads a side
            refusal = str(error)
        else:
            problems = problems or check.problems
            preview = check.preview if check.rows and not check.problems else None
    return _page(
        request,
        "import_preview.html",
        f"Import of {batch.file_name}",
        {
            "batch": batch,
            "preview": preview,
            "problems": problems,
            "may_confirm": batch.uploaded_by_id == request.user.pk,
            "refusal": refusal,
        },
        status=status,
    )


@require_GET
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    return _preview_page(request, get_object_or_404(ActualImport, pk=pk))


@require_POST
@explain_refusals
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ActualImport, pk=pk)
    try:
        if request.POST.get("discard"):
            actuals_import.discard_import(user=request.user, batch_id=batch.pk)
            messages.success(request, "The file was discarded; nothing was imported.")
            return redirect("alignment_budget_import")
        done = actuals_import.import_actuals(user=request.user, batch_id=batch.pk)
    except actuals_import.ImportProblems as error:
        return _preview_page(request, batch, problems=error.problems, status=400)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("alignment_budget_import_preview", pk=batch.pk)
    messages.success(
        request, f"Imported {done.row_count} actuals totalling {format_money(done.total)}."
    )
    return redirect("alignment_budget_index")


# --- campaigns ------------------------------------------------------------------------------


def _campaigns_page(
    request: HttpRequest, form: forms.CampaignForm | None = None, status: int = 200
) -> HttpResponse:
    rows = list(Campaign.objects.all())
    spends = selectors.campaign_spends(c.utm_campaign for c in rows)
    return _page(
        request,
        "campaigns.html",
        "Campaigns and ROI",
        {
            "rois": [campaign_roi(c, spend=spends[c.utm_campaign]) for c in rows],
            "form": form or forms.CampaignForm(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@explain_refusals
def campaigns(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _campaigns_page(request)
    form = forms.CampaignForm(request.POST)
    campaign = _submitted(form, lambda data: services.create_campaign(user=request.user, **data))
    if campaign is None:
        return _campaigns_page(request, form, status=400)
    messages.success(request, f"Campaign “{campaign.name}” added.")
    return redirect("alignment_budget_campaigns")


# --- reallocations --------------------------------------------------------------------------


def _reallocations_page(
    request: HttpRequest,
    form: forms.ReallocationForm | None = None,
    status: int = 200,
    refusal: str = "",
) -> HttpResponse:
    led = led_party(request.user)
    rows = ReallocationRow.objects.select_related(
        "from_line__period", "to_line__period", "proposed_by", "decided_by"
    )[:100]
    form = form or forms.ReallocationForm()
    lines = BudgetLine.objects.filter(period__end__gte=timezone.localdate()).select_related(
        "period"
    )
    form.fields["from_line"].queryset = lines  # type: ignore[attr-defined]
    form.fields["to_line"].queryset = lines  # type: ignore[attr-defined]
    return _page(
        request,
        "reallocations.html",
        "Reallocations",
        {
            "rows": [
                (
                    row,
                    led is not None
                    and row.status == ReallocationRow.Status.PENDING
                    and led.value != row.proposer_side,
                    led is not None
                    and row.status == ReallocationRow.Status.PENDING
                    and led.value == row.proposer_side,
                    Party(row.proposer_side).other.label,
                )
                for row in rows
            ],
            "form": form,
            "refusal": refusal,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@explain_refusals
def reallocations(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _reallocations_page(request)
    form = forms.ReallocationForm(request.POST)
    proposed = _submitted(
        form, lambda data: services.propose_reallocation(user=request.user, **data)
    )
    if proposed is None:
        return _reallocations_page(request, form, status=400)
    messages.success(request, "Proposed; the other side's lead decides.")
    return redirect("alignment_budget_reallocations")


@require_POST
@explain_refusals
def reallocation_decide(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(ReallocationRow, pk=pk)
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(f"{f}: {' '.join(map(str, e))}" for f, e in form.errors.items())
        return _reallocations_page(request, status=400, refusal=problems)
    try:
        decided = services.decide_reallocation(
            user=request.user,
            reallocation_id=row.pk,
            accept=form.cleaned_data["decision"] == "accept",
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        return _reallocations_page(request, status=400, refusal=" ".join(error.messages))
    messages.success(request, f"{decided}: {decided.get_status_display().lower()}.")
    return redirect("alignment_budget_reallocations")


@require_POST
@explain_refusals
def reallocation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(ReallocationRow, pk=pk)
    try:
        services.withdraw_reallocation(user=request.user, reallocation_id=row.pk)
    except ValidationError as error:
        return _reallocations_page(request, status=400, refusal=" ".join(error.messages))
    messages.success(request, "The proposal was withdrawn.")
    return redirect("alignment_budget_reallocations")


# --- business cases -------------------------------------------------------------------------


def _cases_page(
    request: HttpRequest,
    form: forms.BusinessCaseForm | None = None,
    estimate: tuple[int, forms.EstimateForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    cases = BusinessCase.objects.select_related("campaign")
    return _page(
        request,
        "cases.html",
        "Business cases",
        {
            "cases": [
                (
                    case_outcome(case),
                    estimate[1]
                    if estimate and estimate[0] == case.pk
                    else forms.EstimateForm(
                        prefix=f"case-{case.pk}",
                        initial={
                            "estimated_cost": case.estimated_cost,
                            "effort_days": case.effort_days,
                            "risk": case.risk,
                            "notes": case.estimate_notes,
                        },
                    ),
                )
                for case in cases
            ],
            "form": form or forms.BusinessCaseForm(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@explain_refusals
def cases(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _cases_page(request)
    form = forms.BusinessCaseForm(request.POST)
    opened = _submitted(
        form,
        lambda data: services.open_business_case(
            user=request.user,
            title=data["title"],
            technology_request_id=data["subject"][0],
            campaign=data["subject"][1],
            metric_key=data["metric"],
            params=data["params"],
            target_value=data["target_value"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            effect_summary=data["effect_summary"],
        ),
    )
    if opened is None:
        return _cases_page(request, form, status=400)
    messages.success(request, "Business case opened; IT's lead adds the estimate.")
    return redirect("alignment_budget_cases")


@require_POST
@explain_refusals
def case_estimate(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(BusinessCase, pk=pk)
    form = forms.EstimateForm(request.POST, prefix=f"case-{case.pk}")
    estimated = _submitted(
        form,
        lambda data: services.estimate_business_case(user=request.user, case_id=case.pk, **data),
    )
    if estimated is None:
        return _cases_page(request, estimate=(case.pk, form), status=400)
    messages.success(request, f"IT's estimate for “{case.title}” saved.")
    return redirect("alignment_budget_cases")
