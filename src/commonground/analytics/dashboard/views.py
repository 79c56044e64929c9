"""The dashboard page and the JSON endpoints its script calls (all behind Wagtail's admin login).

Every endpoint answers bad input with a 4xx and a message the page shows as it is, and an
event store that is not running with a 503, never a 500.
"""

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from functools import wraps
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.generic import TemplateView
from wagtail.admin.auth import permission_required
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ..http_errors import store_failure
from ..models import VIEW_ANALYTICS, Annotation, TrackedSite
from ..queries import (
    FunnelRunner,
    JourneyRunner,
    PropertyKeysQuery,
    PropertyKeysRunner,
    QueryError,
    QueryRunner,
    StatsRunner,
    StoreQueryError,
    StoreUnavailableError,
)
from . import annotations as annotation_service
from . import segments as segment_service
from .forms import AnnotationForm, SiteRangeForm

VIEW_PERMISSION = VIEW_ANALYTICS
ADD_ANNOTATION = "analytics.add_annotation"
DELETE_ANNOTATION = "analytics.delete_annotation"
VIEW_SEGMENTS = "analytics.view_segment"
ADD_SEGMENT = "analytics.add_segment"

JsonView = Callable[..., HttpResponse]


def _error(message: str, status: int, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _form_error(form: BaseForm) -> JsonResponse:
    fields = form.errors.get_json_data()
    first = next(iter(fields.items()))
    name, errors = first
    prefix = "" if name == "__all__" else f"{name}: "
    return _error(f"{prefix}{errors[0]['message']}", 400, fields=fields)


def _store_error(error: StoreUnavailableError | StoreQueryError, *, query: object) -> JsonResponse:
    failure = store_failure(error, query=query)
    # Signed-in staff are told what the operator's log says (which process to start).
    return _error(failure.detail, failure.status)


def _requires(permission: str) -> Callable[[JsonView], JsonView]:
    """A JSON 403 for signed-in admin users without ``permission`` (Wagtail checked the rest)."""

    def decorator(view: JsonView) -> JsonView:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perm(permission):
                return _error("You may not do this.", 403)
            return view(request, *args, **kwargs)

        return checked

    return decorator


@method_decorator(permission_required(VIEW_PERMISSION), name="dispatch")
class DashboardView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "analytics/dashboard/index.html"
    page_title = "Analytics"
    header_icon = "analytics-chart"

    def get_breadcrumbs_items(self) -> list[dict[str, str]]:
        return [*super().get_breadcrumbs_items(), {"url": "", "label": "Analytics"}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        sites = [
            {
                "domain": site.domain,
                "name": site.name,
                "time_zone": site.time_zone,
                # The funnel builder's goal steps and the segment picker's choices.
                "goals": sorted(goal.display_name for goal in site.goals.all()),
                # Shared segments and the user's own (issue 15): others' private ones stay theirs.
                "segments": [
                    {"id": segment.pk, "name": segment.name, "shared": segment.shared}
                    for segment in segment_service.visible_segments(site, user)
                ],
            }
            for site in TrackedSite.objects.order_by("name", "domain").prefetch_related("goals")
        ]
        config = {
            "sites": sites,
            "urls": {
                "query": reverse("analytics_dashboard_query"),
                "funnel": reverse("analytics_dashboard_funnel"),
                "journey": reverse("analytics_dashboard_journey"),
                "annotations": reverse("analytics_dashboard_annotations"),
                "propertyKeys": reverse("analytics_dashboard_property_keys"),
                "saveSegment": reverse("analytics_dashboard_save_segment"),
                "trackedSites": reverse("tracked_sites:index"),
                # Only for those who may open the list (every role may, today).
                "segments": reverse("analytics_segments:index")
                if user.has_perm(VIEW_SEGMENTS)
                else None,
            },
            "csrfToken": get_token(self.request),
            "canAnnotate": user.has_perm(ADD_ANNOTATION),
            "canSaveSegments": user.has_perm(ADD_SEGMENT),
            "today": date.today().isoformat(),
        }
        return {
            **super().get_context_data(**kwargs),
            # Not "config": Wagtail's base template sets that name for its own scripts.
            "dashboard_config": config,
            "has_sites": bool(sites),
        }


def _answer(
    request: HttpRequest,
    runner: QueryRunner[Any, Any],
) -> HttpResponse:
    """The request's JSON body checked and answered by ``runner``: every kind of insight
    refuses bad input and reports store errors the same way."""
    try:
        question = runner.parse(request.body)
        return JsonResponse(runner.run(question).as_json(), encoder=DjangoJSONEncoder)
    except QueryError as error:
        return _error(str(error), 400, field=error.field)
    except (StoreUnavailableError, StoreQueryError) as error:
        # The request as sent: it parsed, so it is the question the store failed.
        return _store_error(error, query=request.body.decode("utf-8", "replace"))


@require_POST
@_requires(VIEW_PERMISSION)
def query(request: HttpRequest) -> HttpResponse:
    """One stats query (the Stats API v2 body), answered with approximate visitor counts."""
    return _answer(request, StatsRunner(approximate=True))


@require_POST
@_requires(VIEW_PERMISSION)
def funnel(request: HttpRequest) -> HttpResponse:
    """Visitors reaching each of 2 to 8 steps (pages, events or goals), with the drop-off."""
    return _answer(request, FunnelRunner())


@require_POST
@_requires(VIEW_PERMISSION)
def journey(request: HttpRequest) -> HttpResponse:
    """The most common paths into and out of one page."""
    return _answer(request, JourneyRunner())


@require_http_methods(["GET", "POST"])
@_requires(VIEW_PERMISSION)
def annotations(request: HttpRequest) -> HttpResponse:
    """GET: the graph's markers for a site and range. POST: add a note."""
    if request.method == "POST":
        return _add_annotation(request)
    form = SiteRangeForm(request.GET)
    if not form.is_valid():
        return _form_error(form)
    found = annotation_service.annotations_between(
        site=form.cleaned_data["site"],
        first=form.cleaned_data["first"],
        last=form.cleaned_data["last"],
        user=request.user,
    )
    return JsonResponse({"annotations": [asdict(a) for a in found]})


@_requires(ADD_ANNOTATION)
def _add_annotation(request: HttpRequest) -> HttpResponse:
    form = AnnotationForm(request.POST)
    if not form.is_valid():
        return _form_error(form)
    assert request.user.is_authenticated  # Wagtail's admin login comes first
    note = annotation_service.add_annotation(
        site=form.cleaned_data["site"],
        day=form.cleaned_data["date"],
        text=form.cleaned_data["text"],
        user=request.user,
    )
    return JsonResponse(
        {"id": note.pk, "date": note.date.isoformat(), "text": note.text}, status=201
    )


@require_POST
@_requires(DELETE_ANNOTATION)
def delete_annotation(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(Annotation, pk=pk)
    assert request.user.is_authenticated
    annotation_service.delete_annotation(annotation=note, user=request.user)
    return JsonResponse({"deleted": pk})


@require_GET
@_requires(VIEW_PERMISSION)
def property_keys_view(request: HttpRequest) -> HttpResponse:
    """The custom-property keys sent for a site in a range, for the properties panel."""
    form = SiteRangeForm(request.GET)
    if not form.is_valid():
        return _form_error(form)
    try:
        asked = PropertyKeysQuery(
            form.cleaned_data["site"].domain,
            (form.cleaned_data["first"], form.cleaned_data["last"]),
        )
        keys = PropertyKeysRunner().run(asked).as_json()
    except (StoreUnavailableError, StoreQueryError) as error:
        return _store_error(error, query=f"property keys {request.GET.urlencode()}")
    return JsonResponse({"keys": keys})


@require_POST
@_requires(ADD_SEGMENT)
def save_segment(request: HttpRequest) -> HttpResponse:
    """The filter dialog's "save these filters as a segment": a JSON body, see SegmentRequest."""
    assert request.user.is_authenticated
    try:
        asked = segment_service.parse_segment_request(request.body)
        segment = segment_service.save_segment(asked=asked, user=request.user)
    except segment_service.SegmentRefused as error:
        return _error(str(error), 400)
    return JsonResponse(
        {
            "id": segment.pk,
            "name": segment.name,
            "shared": segment.shared,
            "filters": segment.filters,
        },
        status=201,
    )
