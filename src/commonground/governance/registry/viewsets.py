"""The technology registry and the review questionnaire in the Wagtail admin.

Every role lists, filters, inspects and exports the registry; only IT (add/change
permissions) creates and edits entries: status, hosts and the answers the risk tier comes
from. Saves go through ``services.save_technology``, which recomputes the tier and writes
the ``governance.technology.*`` audit entry (instead of Wagtail's ``wagtail.edit``).
"""

from typing import Any

from django.core.exceptions import ValidationError
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.coreutils import multigetattr

from . import services
from .forms import ANSWERED_FIELDS, DECIDED_FIELDS, RISK_FIELDS, TechnologyForm
from .models import ReviewQuestion, Technology
from .visibility import visible_fields


def hosts_text(technology: Technology) -> str:
    return " ".join(f"{row.directive} {row.host}" for row in technology.hosts.all())


class TechnologyIndexView(generic.IndexView):
    def setup(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        shown: list[str] = list(TechnologyViewSet.list_export)
        self.list_export = visible_fields(request.user, shown)

    def get_base_queryset(self) -> Any:
        return super().get_base_queryset().select_related("owner").prefetch_related("hosts")

    def to_row_dict(self, item: Technology) -> Any:
        return {
            field: hosts_text(item) if field == "hosts_for_export" else multigetattr(item, field)
            for field in self.list_export
        }


class _SavesThroughService:
    form: TechnologyForm
    request: Any

    def save_instance(self) -> Technology:
        return services.save_technology(
            user=self.request.user, technology=self.form.instance, hosts=self.form.hosts
        )

    def form_valid(self, form: TechnologyForm) -> Any:
        # A rule of the service (an approval only a request may give) is the form's error;
        # the view's transaction rolls back whatever the save began.
        try:
            return super().form_valid(form)  # type: ignore[misc]
        except ValidationError as error:
            form.add_error(None, error)
            self.produced_error_message = " ".join(error.messages)
            return self.form_invalid(form)  # type: ignore[attr-defined]


class TechnologyInspectView(generic.InspectView):
    def get_fields(self) -> list[str]:
        return visible_fields(self.request.user, list(super().get_fields()))


class TechnologyCreateView(_SavesThroughService, generic.CreateView):
    pass


class TechnologyEditView(_SavesThroughService, generic.EditView):
    pass


class TechnologyViewSet(ModelViewSet):
    model = Technology
    name = "governance_registry"
    url_prefix = "governance/registry"
    icon = "list-ul"
    menu_label = "Technology registry"
    index_view_class = TechnologyIndexView
    add_view_class = TechnologyCreateView
    edit_view_class = TechnologyEditView
    inspect_view_class = TechnologyInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    inspect_view_fields = [*ANSWERED_FIELDS, *RISK_FIELDS, *DECIDED_FIELDS]
    list_display = [
        "name",
        "vendor",
        Column("category", label="Category", accessor="get_category_display"),
        StatusTagColumn(
            "status", label="Status", accessor="get_status_display", primary=lambda t: False
        ),
        Column("risk_tier", label="Risk", accessor="risk_tier"),
        Column("data_category", label="Data", accessor="data_category"),
        Column("consent_purpose", label="Consent", accessor="consent_purpose"),
        "contract_renewal",
    ]
    list_filter = ["status", "category", "risk_tier", "data_category", "consent_purpose"]
    search_fields = ["name", "vendor", "business_purpose", "hosts__host"]
    search_backend_name = None  # the registry is small: the database's icontains is enough
    list_export = [*ANSWERED_FIELDS, *RISK_FIELDS, *DECIDED_FIELDS, "hosts_for_export"]
    export_headings = {"hosts_for_export": "Hosts"}
    export_filename = "technology-registry"

    def get_form_class(self, for_update: bool = False) -> type[TechnologyForm]:
        return TechnologyForm


class ReviewQuestionViewSet(ModelViewSet):
    """IT's questionnaire: questions are switched off rather than deleted (answers keep
    pointing at them)."""

    model = ReviewQuestion
    name = "governance_questions"
    url_prefix = "governance/questions"
    icon = "help"
    menu_label = "Review questions"
    form_fields = ["text", "help_text", "order", "active", "required"]
    list_display = ["text", "order", "active", "required"]
    list_filter = ["active"]
    search_fields = ["text"]
    search_backend_name = None
