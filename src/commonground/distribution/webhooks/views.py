"""The "Webhooks" admin (Settings menu): subscriptions with their secret, a "Send test"
button, secret rotation and the delivery log; and the audit actions they write.

Wagtail's model permissions decide: view lists and inspects (no secret), change edits, sees
and rotates the secret and sends tests, add and delete do what they say.
"""

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import LogActionRegistry, LogFormatter

from ..channels.webhook import configured_webhook_options
from . import selectors, services
from .forms import WebhookSubscriptionForm
from .models import WebhookSubscription


def register_webhook_log_actions(actions: LogActionRegistry) -> None:
    """For the ``register_log_actions`` hook: how webhook audit entries read in the admin."""

    @actions.register_action(services.DISABLED)
    class _Disabled(LogFormatter):
        label = "Disable webhook"

        def format_message(self, log_entry: Any) -> str:
            reason = (log_entry.data or {}).get("reason")
            return f"Webhook disabled: {reason}" if reason else "Webhook disabled"

    actions.register_action(services.ENABLED, "Re-enable webhook", "Webhook re-enabled")
    actions.register_action(
        services.SECRET_ROTATED, "Rotate webhook secret", "Webhook signing secret rotated"
    )


def _events(subscription: WebhookSubscription) -> str:
    return ", ".join(subscription.events)


def _status(subscription: WebhookSubscription) -> str:
    return "Active" if subscription.is_active else "Disabled"


class _DeliveryLogContext:
    """The delivery log and the action URLs, for the edit and inspect templates."""

    object: WebhookSubscription
    request: HttpRequest

    def webhook_context(
        self, subscription: WebhookSubscription, *, can_change: bool
    ) -> dict[str, Any]:
        context: dict[str, Any] = {
            "attempts": selectors.recent_attempts(subscription),
            "delivery_log_length": selectors.DELIVERY_LOG_LENGTH,
            "can_change": can_change,
            "here": self.request.get_full_path(),
        }
        if can_change:
            context["send_test_url"] = reverse(
                f"{WebhookSubscriptionViewSet.name}:send_test", args=[subscription.pk]
            )
            context["rotate_secret_url"] = reverse(
                f"{WebhookSubscriptionViewSet.name}:rotate_secret", args=[subscription.pk]
            )
        return context


class _CheckedTarget:
    """The form checks the URL's host by the rule the sends apply (the channel's options)."""

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().get_form_kwargs()  # type: ignore[misc]
        kwargs["checks_addresses"] = configured_webhook_options().checks_addresses
        return kwargs


class WebhookCreateView(_CheckedTarget, generic.CreateView):
    def save_instance(self) -> WebhookSubscription:
        return services.create_webhook_subscription(form=self.form, by=self.request.user)

    def get_success_url(self) -> str:
        # Straight to the page with the secret and the "Send test" button: the next steps.
        return str(self.get_edit_url())


class WebhookEditView(_CheckedTarget, _DeliveryLogContext, generic.EditView):
    def save_instance(self) -> WebhookSubscription:
        return services.update_webhook_subscription(form=self.form, by=self.request.user)

    def get_object(self, queryset: Any = None) -> WebhookSubscription:
        subscription: WebhookSubscription = super().get_object(queryset)
        # Read before the form binds: a refused POST writes its values onto this instance.
        self.saved = {
            "secret": subscription.secret,
            "previous_secret_valid_until": (
                subscription.previous_secret_expires_at
                if len(subscription.signing_secrets()) > 1
                else None
            ),
            "disabled_reason": "" if subscription.is_active else subscription.disabled_reason,
        }
        return subscription

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            **self.saved,
            **self.webhook_context(self.object, can_change=True),
        }


class WebhookInspectView(_DeliveryLogContext, generic.InspectView):
    def get_events_display_value(self) -> str:
        return _events(self.object)

    def get_is_active_display_value(self) -> str:
        return _status(self.object)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        can_change = self.user_has_permission_for_instance("change", self.object)
        return {
            **super().get_context_data(**kwargs),
            **self.webhook_context(self.object, can_change=can_change),
        }


class _SubscriptionActionView(PermissionCheckedMixin, View):
    """A POST on one subscription by someone who may change it; back to where it came from."""

    http_method_names = ["post"]
    permission_required = "change"
    model: type[Model] = WebhookSubscription
    edit_url_name: str | None = None

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        subscription = get_object_or_404(WebhookSubscription, pk=pk)
        if not self.user_has_permission_for_instance("change", subscription):
            raise PermissionDenied
        self.act(request, subscription)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = reverse(str(self.edit_url_name), args=[subscription.pk])
        return HttpResponseRedirect(back)

    def act(self, request: HttpRequest, subscription: WebhookSubscription) -> None:
        raise NotImplementedError


class SendTestView(_SubscriptionActionView):
    """Sends a ``webhook.test`` event now and says what the receiver answered."""

    def act(self, request: HttpRequest, subscription: WebhookSubscription) -> None:
        outcome = services.send_test_webhook(
            subscription, by=request.user, options=configured_webhook_options()
        )
        response = outcome.response
        if response.succeeded:
            messages.success(
                request,
                f"Test sent: the receiver answered HTTP {response.status_code}"
                f" in {response.duration_ms} ms.",
            )
        else:
            messages.error(request, f"Test failed: {response.error}.")


class RotateSecretView(_SubscriptionActionView):
    """A new signing secret; the old one keeps signing for the configured grace period."""

    def act(self, request: HttpRequest, subscription: WebhookSubscription) -> None:
        grace = timedelta(seconds=configured_webhook_options().rotation_grace_seconds)
        rotated = services.rotate_webhook_secret(subscription, by=request.user, grace=grace)
        until = rotated.previous_secret_expires_at
        assert until is not None  # set by every rotation
        messages.success(
            request,
            "New secret made: copy it to the receiver. Deliveries are signed with the old"
            f" one too until {until:%Y-%m-%d %H:%M %Z}.",
        )


class WebhookSubscriptionViewSet(ModelViewSet):
    model = WebhookSubscription
    name = "distribution_webhooks"  # services.EDIT_URL_NAME relies on this namespace
    url_prefix = "webhooks"
    icon = "link-external"
    menu_label = "Webhooks"
    add_to_settings_menu = True
    copy_view_enabled = False  # a copy would share the secret
    inspect_view_enabled = True
    add_view_class = WebhookCreateView
    edit_view_class = WebhookEditView
    inspect_view_class = WebhookInspectView
    inspect_view_fields = [
        "name",
        "url",
        "events",
        "owner",
        "is_active",
        "consecutive_failures",
        "disabled_at",
        "disabled_reason",
        "created_at",
        "updated_at",
    ]
    list_display = [
        "name",
        Column("url", label="URL", sort_key="url"),
        Column("events", label="Events", accessor=_events),
        StatusTagColumn(
            "is_active", label="Status", accessor=_status, primary=lambda s: s.is_active
        ),
        Column("consecutive_failures", label="Failures in a row", sort_key="consecutive_failures"),
    ]
    search_fields = ["name", "url"]
    search_backend_name = None  # a handful of rows: the database's icontains is enough
    edit_template_name = "distribution/webhooks/edit.html"
    inspect_template_name = "distribution/webhooks/inspect.html"

    def get_form_class(self, for_update: bool = False) -> type[WebhookSubscriptionForm]:
        return WebhookSubscriptionForm

    @property
    def send_test_view(self) -> Any:
        return self.construct_view(SendTestView)

    @property
    def rotate_secret_view(self) -> Any:
        return self.construct_view(RotateSecretView)

    def get_urlpatterns(self) -> list[URLPattern]:
        return [
            *super().get_urlpatterns(),
            path("<id:pk>/send-test/", self.send_test_view, name="send_test"),
            path("<id:pk>/rotate-secret/", self.rotate_secret_view, name="rotate_secret"),
        ]


webhook_viewset = WebhookSubscriptionViewSet()
