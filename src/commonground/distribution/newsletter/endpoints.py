"""The newsletter's public pages: sign-up, confirm, one-click unsubscribe, preferences, bounces.

A GET never changes anything (link scanners and mail previews fetch every link): confirming
and unsubscribing happen on POST. The unsubscribe POST is the RFC 8058 one-click request a
mail program sends without a session or CSRF token; the token in the URL is what authorises
it, and the body must say ``List-Unsubscribe=One-Click``.
"""

import hmac
import json

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from commonground.core.http import form_tokens

from . import selectors
from . import subscriptions as signups
from .models import MailingList, Subscription, Suppression

MAX_BOUNCE_BODY = 64 * 1024


# The sign-up, confirm and preferences forms set no CSRF cookie (the public site sets none):
# a POST must come from this site with a token from the rendered form (core/http/form_tokens).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def subscribe_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and (
        refused := form_tokens.refusal(request, form="newsletter:subscribe")
    ):
        return refused
    lists = MailingList.objects.all()
    context: dict[str, object] = {"lists": lists, "email": "", "error": "", "chosen": ""}
    if request.method == "POST":
        email = request.POST.get("email", "")
        context.update(email=email, chosen=request.POST.get("list", ""))
        try:
            mailing_list = lists.get(pk=int(request.POST.get("list", "")))
        except (ValueError, OverflowError, MailingList.DoesNotExist):
            context["error"] = "Choose a newsletter."
            return render(request, "distribution/subscribe.html", context, status=400)
        try:
            signups.subscribe(email=email, mailing_list=mailing_list)
        except signups.SubscriptionError as error:
            context["error"] = str(error)
            return render(request, "distribution/subscribe.html", context, status=400)
        return render(request, "distribution/subscribe_sent.html", {"list": mailing_list})
    return render(request, "distribution/subscribe.html", context)


def _subscription(token: str, list_id: int) -> Subscription:
    found = selectors.subscription_for(token, list_id)
    if found is None:
        raise Http404("This link is not valid (any more).")
    return found


@csrf_exempt
@require_http_methods(["GET", "POST"])
def confirm_view(request: HttpRequest, token: str, list_id: int) -> HttpResponse:
    subscription = _subscription(token, list_id)
    if request.method == "POST":
        if refused := form_tokens.refusal(request, form="newsletter:confirm"):
            return refused
        signups.confirm(subscription)
    return render(request, "distribution/confirm.html", {"subscription": subscription})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str, list_id: int) -> HttpResponse:
    subscription = _subscription(token, list_id)
    if request.method == "POST":
        if request.POST.get("List-Unsubscribe") != "One-Click":
            return render(
                request,
                "distribution/unsubscribe.html",
                {"subscription": subscription, "error": "The request did not ask to unsubscribe."},
                status=400,
            )
        via = signups.send_of(subscription, request.GET.get("send", ""))
        signups.unsubscribe(subscription, via=via)
    return render(request, "distribution/unsubscribe.html", {"subscription": subscription})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def preferences_view(request: HttpRequest, token: str) -> HttpResponse:
    subscriptions = list(
        Subscription.objects.filter(subscriber__token=token).select_related(
            "mailing_list", "subscriber"
        )
    )
    if not subscriptions:
        raise Http404("This link is not valid (any more).")
    saved = False
    if request.method == "POST":
        if refused := form_tokens.refusal(request, form="newsletter:preferences"):
            return refused
        wanted = set(request.POST.getlist("lists"))
        for subscription in subscriptions:
            keep = str(subscription.mailing_list_id) in wanted
            if not keep and subscription.status != Subscription.Status.UNSUBSCRIBED:
                signups.unsubscribe(subscription)
            elif keep and subscription.status == Subscription.Status.UNSUBSCRIBED:
                # Back on the list, through the same double opt-in as a new sign-up.
                signups.subscribe(
                    email=subscription.subscriber.email, mailing_list=subscription.mailing_list
                )
        subscriptions = [
            Subscription.objects.select_related("mailing_list", "subscriber").get(pk=s.pk)
            for s in subscriptions
        ]
        saved = True
    return render(
        request,
        "distribution/preferences.html",
        {"subscriptions": subscriptions, "saved": saved, "token": token},
    )


@csrf_exempt
@require_POST
def bounce_view(request: HttpRequest) -> HttpResponse:
    """Bounces and complaints from the mail provider: ``{"type": "bounce" | "complaint",
    "email": ..., "detail": ...}`` with ``Authorization: Bearer <NEWSLETTER_BOUNCE_SECRET>``."""
    secret = getattr(settings, "NEWSLETTER_BOUNCE_SECRET", "")
    offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not secret or not hmac.compare_digest(offered.encode(), secret.encode()):
        return JsonResponse({"error": "a valid bearer token is required"}, status=401)
    if len(request.body) > MAX_BOUNCE_BODY:
        return JsonResponse({"error": "the body is over 64 KB"}, status=413)
    try:
        report = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "the body is not JSON"}, status=400)
    if not isinstance(report, dict):
        return JsonResponse({"error": "the body is a JSON object"}, status=400)
    kinds = {"bounce": Suppression.Reason.BOUNCE, "complaint": Suppression.Reason.COMPLAINT}
    if report.get("type") not in kinds:
        return JsonResponse({"error": "type: 'bounce' or 'complaint'"}, status=400)
    try:
        email = signups.normalise_email(str(report.get("email", "")))
    except signups.SubscriptionError:
        return JsonResponse({"error": "email: not an e-mail address"}, status=400)
    detail = report.get("detail", "")
    added = signups.suppress(
        email=email, reason=kinds[report["type"]], detail=str(detail) if detail else ""
    )
    return JsonResponse({"suppressed": email, "new": added}, status=201 if added else 200)
