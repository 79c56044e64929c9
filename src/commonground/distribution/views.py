"""The delivery view: every dispatch per channel and plan, its progress live, and the pause,
resume and retry buttons. Views parse input and call one service; each change is logged."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST
from wagtail.log_actions import log

from . import services
from .channels import channel_choices, channel_label
from .models import Delivery, Dispatch
from .newsletter.send_stats import send_stats

VIEW = "distribution.view_dispatch"
CHANGE = "distribution.change_dispatch"
# Recipient addresses are personal data: shown only to those who may see the subscribers.
SEE_RECIPIENTS = "distribution.view_subscriber"
DELIVERIES_SHOWN = 200


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _breadcrumbs(*trail: tuple[str, str]) -> list[dict[str, str]]:
    home = {"url": reverse("wagtailadmin_home"), "label": "Home"}
    return [home, *({"url": url, "label": label} for url, label in trail)]


def _counted(queryset: Any) -> Any:
    return queryset.annotate(
        **{
            f"n_{status}": Count("deliveries", filter=Q(deliveries__status=status))
            for status in Delivery.Status.values
        },
        n_all=Count("deliveries"),
    )


@require_GET
def dispatch_index(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW)
    dispatches = _counted(Dispatch.objects.select_related("page", "mailing_list"))
    channel = request.GET.get("channel", "")
    status = request.GET.get("status", "")
    if channel:
        dispatches = dispatches.filter(channel=channel)
    if status in Dispatch.Status.values:
        dispatches = dispatches.filter(status=status)
    page = Paginator(dispatches.order_by("-created_at"), 50).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "distribution/admin/dispatch_index.html",
        {
            "page_obj": page,
            "channels": channel_choices(),
            "statuses": Dispatch.Status.choices,
            "channel": channel,
            "status": status,
            "labels": {name: channel_label(name) for name in {d.channel for d in page}},
            "header_title": "Deliveries",
            "header_icon": "mail",
            "breadcrumbs_items": _breadcrumbs(("", "Deliveries")),
        },
    )


@require_GET
def dispatch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, VIEW)
    dispatch = get_object_or_404(Dispatch.objects.select_related("page", "mailing_list"), pk=pk)
    # Failures first: they are what someone came to look at.
    failed = dispatch.deliveries.filter(status=Delivery.Status.FAILED).order_by("pk")
    shown = list(failed[:DELIVERIES_SHOWN])
    if len(shown) < DELIVERIES_SHOWN:
        shown += list(
            dispatch.deliveries.exclude(status=Delivery.Status.FAILED).order_by("pk")[
                : DELIVERIES_SHOWN - len(shown)
            ]
        )
    shows_recipients = request.user.has_perm(SEE_RECIPIENTS)
    if not shows_recipients:
        for delivery in shown:
            _mask_recipient(delivery)
    return TemplateResponse(
        request,
        "distribution/admin/dispatch_detail.html",
        {
            "dispatch": dispatch,
            "label": channel_label(dispatch.channel),
            "progress": services.progress(dispatch),
            "skipped_reasons": _skipped_reasons(dispatch),
            # What the send brought (a newsletter's: its links name the send).
            "send_stats": send_stats(dispatch) if dispatch.mailing_list_id else None,
            "deliveries": shown,
            "can_change": request.user.has_perm(CHANGE),
            "shows_recipients": shows_recipients,
            "progress_url": reverse("distribution_dispatch_progress", args=[dispatch.pk]),
            "header_title": f"{channel_label(dispatch.channel)}: {dispatch.title}",
            "header_icon": "mail",
            "breadcrumbs_items": _breadcrumbs(
                (reverse("distribution_dispatches"), "Deliveries"),
                ("", f"{channel_label(dispatch.channel)}: {dispatch.title}"),
            ),
        },
    )


def _skipped_reasons(dispatch: Dispatch) -> list[tuple[str, int]]:
    """(reason, count) of the dispatch's skipped deliveries, most first."""
    rows = (
        dispatch.deliveries.filter(status=Delivery.Status.SKIPPED)
        .values_list("error")
        .annotate(n=Count("pk"))
        .order_by("-n", "error")
        .values_list("error", "n")
    )
    return [(reason or "no reason recorded", n) for reason, n in rows]


def _mask_recipient(delivery: Delivery) -> None:
    """Blank the address out of a row (never saved): a server's error often quotes it."""
    if delivery.recipient:
        delivery.error = delivery.error.replace(delivery.recipient, "(the recipient)")
        delivery.recipient = ""
        delivery.detail = ""
        delivery.masked = True  # type: ignore[attr-defined]


@require_GET
def dispatch_progress(request: HttpRequest, pk: int) -> JsonResponse:
    _require(request, VIEW)
    dispatch = get_object_or_404(Dispatch, pk=pk)
    counts = services.progress(dispatch)
    return JsonResponse(
        {
            "status": dispatch.status,
            "counts": counts,
            "total": sum(counts.values()),
            "expanded": dispatch.recipients_expanded,
        }
    )


def _control(action: str) -> Any:
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        _require(request, CHANGE)
        dispatch = get_object_or_404(Dispatch, pk=pk)
        if action == "pause":
            done, text = services.pause(dispatch), "Paused after the message in flight."
        elif action == "resume":
            done, text = services.resume(dispatch), "Resumed where it stopped."
        else:
            count = services.retry_failed(dispatch)
            done, text = bool(count), f"{count} failed deliveries queued again."
        if done:
            log(dispatch, f"distribution.dispatch.{action}", user=request.user)
            messages.success(request, text)
        else:
            messages.warning(request, f"Nothing to {action.replace('_', ' ')}.")
        return redirect("distribution_dispatch", pk=dispatch.pk)

    view.__name__ = f"dispatch_{action}"
    return view


urlpatterns = [
    path("distribution/", dispatch_index, name="distribution_dispatches"),
    path("distribution/<id:pk>/", dispatch_detail, name="distribution_dispatch"),
    path(
        "distribution/<id:pk>/progress/", dispatch_progress, name="distribution_dispatch_progress"
    ),
    path("distribution/<id:pk>/pause/", _control("pause"), name="distribution_dispatch_pause"),
    path("distribution/<id:pk>/resume/", _control("resume"), name="distribution_dispatch_resume"),
    path(
        "distribution/<id:pk>/retry/", _control("retry_failed"), name="distribution_dispatch_retry"
    ),
]
