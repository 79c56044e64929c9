"""The pulse's admin pages: the overview (this quarter's round, the latest results, the trend),
a round's results, answering, opening and closing a round, and the CSV of shown results.
Every signed-in admin user reads; people of either side answer; leads open and close rounds.
Views parse input and call one service."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commonground.core.spreadsheet_cells import csv_lines

from ..models.pulse import PulseRound
from ..periods import Quarter
from ..refusals import explain_refusals
from ..sides import led_party, party_of
from . import selectors, services
from .forms import AnswerForm, OpenRoundForm
from .selectors import RoundResults


def _titled(title: str) -> dict[str, str]:
    # The generic admin template puts header_title in <title> and page_title in the <h1>.
    return {"header_title": title, "page_title": title}


def _meetings(pulse_round: PulseRound) -> selectors.MeetingRegularity:
    first, last = selectors.meeting_period(pulse_round)
    return selectors.meetings_in(first=first, last=last)


def _results_context(
    results: RoundResults | None, pulse_round: PulseRound | None
) -> dict[str, object]:
    return {
        "results": results,
        "meetings": _meetings(pulse_round) if pulse_round is not None else None,
    }


@require_GET
def pulse_index(request: HttpRequest) -> HttpResponse:
    accepting = selectors.accepting_round()
    released = selectors.released_rounds()
    # The newest round's results are the trend's last point too: computed once for both.
    recent = [selectors.results(round=shown) for shown in released[: selectors.TREND_ROUNDS]]
    return TemplateResponse(
        request,
        "alignment/pulse/index.html",
        {
            **_titled("Relationship pulse"),
            "accepting": accepting,
            "current": selectors.results(round=accepting) if accepting else None,
            "answered": accepting is not None and selectors.has_answered(request.user, accepting),
            "can_answer": party_of(request.user) is not None,
            "is_lead": led_party(request.user) is not None,
            # One round a quarter: once this quarter's exists (even closed early), none opens.
            "quarter_has_round": selectors.round_for(str(Quarter.of(timezone.localdate())))
            is not None,
            "open_form": OpenRoundForm(),
            "min_answers": selectors.min_answers(),
            "rounds": released,
            "trend": selectors.trend_of(recent[::-1]),
            **_results_context(recent[0] if recent else None, released[0] if released else None),
        },
    )


@require_GET
def pulse_round(request: HttpRequest, quarter: str) -> HttpResponse:
    shown = get_object_or_404(PulseRound, quarter=quarter)
    return TemplateResponse(
        request,
        "alignment/pulse/round.html",
        {
            **_titled(f"Relationship pulse {shown.quarter}"),
            "round": shown,
            **_results_context(selectors.results(round=shown), shown),
        },
    )


@require_GET
def answer_open_round(request: HttpRequest) -> HttpResponse:
    accepting = selectors.accepting_round()
    if accepting is None:
        messages.info(request, "No pulse round is open for answers at the moment.")
        return redirect("alignment_pulse_index")
    return redirect("alignment_pulse_answer", quarter=accepting.quarter)


def _answer_refusal(request: HttpRequest, answering: PulseRound) -> str:
    if party_of(request.user) is None:
        return services.NO_SIDE
    if selectors.has_answered(request.user, answering):
        return (
            f"You have answered the {answering.quarter} pulse already: each person answers "
            "once a round."
        )
    if not selectors.accepts_answers(answering):
        return f"The {answering.quarter} round is not open for answers."
    return ""


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, quarter: str) -> HttpResponse:
    answering = get_object_or_404(PulseRound, quarter=quarter)
    refusal = _answer_refusal(request, answering)
    form = AnswerForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 403 if refusal else 400
        if not refusal and form.is_valid():
            try:
                services.record_answer(
                    user=request.user, pulse_round=answering, scores=form.scores()
                )
            except PermissionDenied as error:
                refusal = str(error) or services.NO_SIDE
                status = 403
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.error_dict.items():
                        form.add_error(None if field == "__all__" else field, errors)
                else:
                    refusal = " ".join(error.messages)
                    status = 403
            else:
                messages.success(
                    request,
                    f"Thank you: your answer to the {answering.quarter} pulse was counted. It is "
                    "kept only as counts per side, so nobody can see which answers were yours.",
                )
                return redirect("alignment_pulse_index")
    return TemplateResponse(
        request,
        "alignment/pulse/answer.html",
        {
            **_titled(f"Answer the {answering.quarter} pulse"),
            "round": answering,
            "form": form,
            "refusal": refusal,
            "side": party_of(request.user),
        },
        status=status,
    )


def _require_lead(request: HttpRequest, doing: str) -> None:
    if led_party(request.user) is None:
        raise PermissionDenied(f"Only the Marketing Lead or the IT Lead may {doing}.")


@explain_refusals
@require_POST
def open_round(request: HttpRequest) -> HttpResponse:
    _require_lead(request, "open a round")
    form = OpenRoundForm(request.POST)
    if form.is_valid():
        try:
            opened = services.open_round(user=request.user, closes_on=form.closing_day())
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                f"The {opened.quarter} round is open until {opened.closes_on.isoformat()}; "
                "everyone of either side gets an invitation.",
            )
    else:
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, str(text))
    return redirect("alignment_pulse_index")


@explain_refusals
@require_POST
def close_round(request: HttpRequest, quarter: str) -> HttpResponse:
    _require_lead(request, "close a round")
    closing = get_object_or_404(PulseRound, quarter=quarter)
    try:
        services.close_round(user=request.user, pulse_round=closing)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"The {closing.quarter} round is closed; its results show.")
    return redirect("alignment_pulse_round", quarter=closing.quarter)


@require_GET
def results_csv(request: HttpRequest) -> HttpResponse:
    """Every closed round's shown results (``selectors.csv_rows``), as every export writes
    them: through core/spreadsheet_cells.py."""
    response = HttpResponse(
        "".join(csv_lines(selectors.CSV_HEADER, selectors.csv_rows())),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="pulse-results.csv"'
    return response
