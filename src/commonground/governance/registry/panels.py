"""The dashboard panel: open technology requests, the overdue ones first and marked."""

from typing import Any

from django.utils import timezone
from wagtail.admin.ui.components import Component

from . import selectors

SHOWN = 8


class OpenRequestsPanel(Component):
    name = "governance_open_requests"
    template_name = "governance/admin/home_panel.html"
    order = 180

    def get_context_data(self, parent_context: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(parent_context)
        request = parent_context["request"]
        awaiting = selectors.awaiting_action(request.user)
        context["requests"] = list(awaiting[:SHOWN])
        context["count"] = awaiting.count()
        context["overdue"] = awaiting.filter(review_due__lt=timezone.localdate()).count()
        return context
