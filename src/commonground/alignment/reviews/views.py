"""Review meetings' admin views: series, a meeting with its agenda and records, and the
decision log. Every role reads; views parse input and call one service."""

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commonground.core.spreadsheet_cells import csv_lines

from ..models import Action, Meeting, MeetingSeries
from ..refusals import explain_refusals
from . import selectors, services
from .agenda import frozen_sections, generate_agenda
from .forms import ActionForm, DecisionForm, DecisionSearchForm, MinutesForm, SeriesForm
from .ics import series_calendar
from .permissions import may_manage_series, may_record, require_manage_series, require_record


def _form_errors(form: Form, error: ValidationError) -> None:
    """A service's ValidationError onto the form: per field where it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_GET
def series_index(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(
        request,
        "alignment/reviews/series_index.html",
        {
            "rows": selectors.series_with_next(),
            "can_manage": may_manage_series(request.user),
            "header_title": "Meetings",
        },
    )


@explain_refusals
@require_http_methods(["GET", "POST"])
def series_new(request: HttpRequest) -> HttpResponse:
    require_manage_series(request.user)
    form = SeriesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            series = services.create_series(user=request.user, details=form.details())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"“{series.name}” planned; the invitation is on its way.")
            return redirect("alignment_reviews_series", pk=series.pk)
    return TemplateResponse(
        request,
        "alignment/reviews/series_form.html",
        {"form": form, "header_title": "New meeting series"},
        status=400 if form.is_bound else 200,
    )


@explain_refusals
@require_http_methods(["GET", "POST"])
def series_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_manage_series(request.user)
    series = get_object_or_404(MeetingSeries, pk=pk)
    form = SeriesForm(request.POST or None, initial=SeriesForm.initial_for(series))
    if request.method == "POST" and form.is_valid():
        try:
            services.change_series(user=request.user, series=series, details=form.details())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, "Series changed; the updated invitation is on its way.")
            return redirect("alignment_reviews_series", pk=series.pk)
    return TemplateResponse(
        request,
        "alignment/reviews/series_form.html",
        {"form": form, "series": series, "header_title": f"Change “{series.name}”"},
        status=400 if form.is_bound else 200,
    )


@require_GET
def series_detail(request: HttpRequest, pk: int) -> HttpResponse:
    series = get_object_or_404(MeetingSeries.objects.select_related("organiser"), pk=pk)
    return TemplateResponse(
        request,
        "alignment/reviews/series_detail.html",
        {
            "series": series,
            "attendees": series.attendees.order_by("first_name", "username"),
            "upcoming": selectors.upcoming_meetings(series),
            "past": selectors.past_meetings(series),
            "can_manage": may_manage_series(request.user),
            "header_title": series.name,
        },
    )


@require_GET
def series_ics(request: HttpRequest, pk: int) -> HttpResponse:
    series = get_object_or_404(MeetingSeries.objects.select_related("organiser"), pk=pk)
    response = HttpResponse(series_calendar(series), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-series-{series.pk}.ics"'
    return response


def _meeting(pk: int) -> Meeting:
    return get_object_or_404(Meeting.objects.select_related("series"), pk=pk)


def _meeting_page(request: HttpRequest, meeting: Meeting, **forms: Form) -> HttpResponse:
    if meeting.status == Meeting.Status.HELD and meeting.agenda:
        sections, frozen = frozen_sections(meeting.agenda), True
    else:
        sections, frozen = generate_agenda(meeting=meeting).as_json()["sections"], False
    can_record = may_record(request.user, meeting.series)
    actions = list(meeting.actions.select_related("owner", "meeting__series"))
    return TemplateResponse(
        request,
        "alignment/reviews/meeting_detail.html",
        {
            "meeting": meeting,
            "series": meeting.series,
            "sections": sections,
            "frozen": frozen,
            "decisions": meeting.decisions.select_related("owner"),
            # The same rule as permissions.may_complete, without a query per action.
            "actions": [
                (action, can_record or action.owner_id == request.user.pk) for action in actions
            ],
            "can_record": can_record and meeting.status != Meeting.Status.CANCELLED,
            "minutes_form": forms.get("minutes_form")
            or MinutesForm(initial={"minutes": meeting.minutes}),
            "decision_form": forms.get("decision_form")
            or DecisionForm(initial={"decided_on": timezone.localdate(meeting.starts_at)}),
            "action_form": forms.get("action_form") or ActionForm(),
            "today": timezone.localdate(),
            # In the series' zone, as the invitation and the line below the title give it.
            "header_title": f"{meeting.series.name}, "
            f"{meeting.starts_at.astimezone(ZoneInfo(meeting.series.time_zone)):%-d %b %Y, %H:%M}",
        },
        status=400 if forms else 200,
    )


@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _meeting_page(request, _meeting(pk))


def _record(
    request: HttpRequest,
    pk: int,
    name: str,
    form: Form,
    write: Callable[[Meeting], object],
    done: str,
    anchor: str = "",
) -> HttpResponse:
    """A form posted on a meeting's page (``name`` in its context): refused unless the user
    may record there, written by ``write`` once valid, or shown again with its errors."""
    meeting = _meeting(pk)
    require_record(request.user, meeting.series)
    if form.is_valid():
        try:
            write(meeting)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(reverse("alignment_reviews_meeting", args=[pk]) + anchor)
    return _meeting_page(request, meeting, **{name: form})


@explain_refusals
@require_POST
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    form = MinutesForm(request.POST)

    def write(meeting: Meeting) -> object:
        data = form.cleaned_data
        return services.record_minutes(
            user=request.user, meeting=meeting, minutes=data["minutes"], held=data["held"]
        )

    return _record(request, pk, "minutes_form", form, write, "Minutes saved.")


@explain_refusals
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(pk)
    require_record(request.user, meeting.series)
    try:
        services.cancel_meeting(user=request.user, meeting=meeting)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Meeting cancelled.")
    return redirect("alignment_reviews_meeting", pk=pk)


@explain_refusals
@require_POST
def meeting_decision(request: HttpRequest, pk: int) -> HttpResponse:
    form = DecisionForm(request.POST)

    def write(meeting: Meeting) -> object:
        return services.add_decision(user=request.user, meeting=meeting, details=form.details())

    return _record(request, pk, "decision_form", form, write, "Decision logged.", "#decisions")


@explain_refusals
@require_POST
def meeting_action(request: HttpRequest, pk: int) -> HttpResponse:
    form = ActionForm(request.POST)

    def write(meeting: Meeting) -> object:
        data = form.cleaned_data
        return services.add_action(
            user=request.user,
            meeting=meeting,
            title=data["title"],
            owner=data["owner"],
            due_date=data["due_date"],
        )

    return _record(request, pk, "action_form", form, write, "Action added.", "#actions")


@explain_refusals
@require_POST
def action_done(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(Action.objects.select_related("meeting__series"), pk=pk)
    services.complete_action(user=request.user, action=action)  # a refusal says why
    messages.success(request, f"“{action.title}” is done.")
    return redirect(reverse("alignment_reviews_meeting", args=[action.meeting_id]) + "#actions")


@require_GET
def decision_log(request: HttpRequest) -> HttpResponse:
    form = DecisionSearchForm(request.GET)
    search = form.search()
    page = Paginator(selectors.decisions(search), 50).get_page(request.GET.get("p"))
    query = request.GET.copy()
    query.pop("p", None)
    return TemplateResponse(
        request,
        "alignment/reviews/decision_log.html",
        {
            "form": form,
            "page_obj": page,
            "query": query.urlencode(),
            "header_title": "Decision log",
        },
        status=400 if form.errors else 200,
    )


@require_GET
def decision_log_csv(request: HttpRequest) -> HttpResponseBase:
    form = DecisionSearchForm(request.GET)
    if not form.is_valid():
        problems = "; ".join(
            f"{form[field].label if field in form.fields else 'Search'}: "
            + " ".join(str(error) for error in errors)
            for field, errors in form.errors.items()
        )
        return HttpResponse(problems, status=400, content_type="text/plain; charset=utf-8")
    rows = selectors.decision_rows(selectors.decisions(form.search()))
    response = StreamingHttpResponse(
        csv_lines(selectors.CSV_HEADER, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="decision-log-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    return response


@require_GET
def agenda_json(request: HttpRequest) -> HttpResponse:
    """The next planned meeting's agenda as JSON (what the CLI prints)."""
    return JsonResponse(generate_agenda().as_json())
