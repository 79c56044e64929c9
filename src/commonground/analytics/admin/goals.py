"""The "Goals" and "Segments" admin (Settings menu): marketing defines conversions and saved
filter sets per tracked site; viewers may look at them.

Wagtail's generic views check the model permissions (granted in migration 0009) and write
``wagtail.create``/``wagtail.edit``/``wagtail.delete`` log entries for every change.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from ..models import Goal, Segment, TrackedSite, default_goal_name
from ..queries import QueryError, parse_query
from ..queries.context import site_context
from ..queries.goals import check_goal_names
from ..queries.request import SegmentRef, conditions
from .sites import _DuplicateRaceAsFormError

PAGEVIEW = "pageview"


class GoalForm(WagtailAdminModelForm):
    class Meta:
        model = Goal
        fields = ["site", "kind", "event_name", "page_path", "display_name"]
        widgets = {
            "kind": forms.RadioSelect,
            "event_name": forms.TextInput(attrs={"spellcheck": "false"}),
            "page_path": forms.TextInput(attrs={"spellcheck": "false"}),
        }
        help_texts = {
            "event_name": "For a custom-event goal: the event's name as the site sends it, "
            "e.g. Signup (see the dashboard's Goals and Properties).",
            "page_path": "For a page goal: the path, starting with /. * stands for one path "
            "segment (/blog/* is every post), ** for anything (/docs/** is all of /docs).",
            "display_name": "Left empty: the event's name, or “Visit /path”.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = False

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean()
        kind = data.get("kind")
        event_name = (data.get("event_name") or "").strip()
        page_path = (data.get("page_path") or "").strip()
        if kind == Goal.Kind.EVENT:
            page_path = ""
            if not event_name:
                self.add_error("event_name", "An event goal needs the event's name, e.g. Signup.")
            elif event_name == PAGEVIEW:
                self.add_error(
                    "event_name", "Page views are counted by a page goal: choose “page visit”."
                )
        elif kind == Goal.Kind.PAGE:
            event_name = ""
            if not page_path.startswith("/"):
                self.add_error(
                    "page_path",
                    "A page goal needs a path starting with /, e.g. /pricing/ or /blog/**.",
                )
            elif any(character.isspace() for character in page_path):
                self.add_error("page_path", "A path has no spaces.")
        data["event_name"], data["page_path"] = event_name, page_path
        if self.errors:
            return data
        name = (data.get("display_name") or "").strip() or default_goal_name(
            kind=str(kind), event_name=event_name, page_path=page_path
        )
        data["display_name"] = name
        site = data.get("site")
        if isinstance(site, TrackedSite):
            self._refuse_duplicates(site, name, kind=str(kind), event=event_name, page=page_path)
        return data

    def _refuse_duplicates(
        self, site: TrackedSite, name: str, *, kind: str, event: str, page: str
    ) -> None:
        others = Goal.objects.filter(site=site).exclude(pk=self.instance.pk)
        if others.filter(display_name=name).exists():
            # On the name: the unique constraint then skips the field (no second message).
            self.add_error("display_name", f"{site} already has a goal called “{name}”.")
            return
        same = others.filter(kind=kind, event_name=event, page_path=page).first()
        if same is not None:
            # Two goals for one thing would count every conversion twice in goal breakdowns.
            field = "event_name" if kind == Goal.Kind.EVENT else "page_path"
            self.add_error(field, f"The goal “{same.display_name}” already counts this.")


def check_segment_filters(site: TrackedSite, filters: Any) -> None:
    """Refuse filters a query could not use, with the query layer's own message."""
    if not isinstance(filters, list) or not filters:
        raise ValidationError(
            'A segment is a non-empty list of filters, e.g. [["is", "visit:source", ["Google"]]].'
        )
    try:
        query = parse_query(
            {
                "site_id": site.domain,
                "date_range": "day",
                "metrics": ["visitors"],
                "filters": filters,
            }
        )
        if any(isinstance(node, SegmentRef) for node, _ in conditions(query.filters)):
            raise ValidationError("A segment cannot contain a segment.")
        check_goal_names(query.filters, site_context(site.domain).goals)
    except QueryError as error:
        raise ValidationError(str(error)) from None


class SegmentForm(WagtailAdminModelForm):
    class Meta:
        model = Segment
        fields = ["site", "name", "filters"]
        widgets = {"filters": forms.Textarea(attrs={"rows": 6, "spellcheck": "false"})}
        help_texts = {
            "filters": 'Stats API filters, all of which must hold, e.g. [["is", "visit:source", '
            '["Google"]], ["contains", "event:page", ["/blog/"]]]. Operators: is, is_not, '
            "contains, contains_not, matches, matches_not; combine with and, or, not.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Empty ("" or []) gets check_segment_filters' message, which shows what is expected.
        self.fields["filters"].required = False

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean()
        site, name = data.get("site"), (data.get("name") or "").strip()
        if not isinstance(site, TrackedSite):
            return data
        if "filters" not in self.errors:  # not JSON at all: the field said so
            try:
                check_segment_filters(site, data.get("filters"))
            except ValidationError as error:
                self.add_error("filters", error)
        if name:
            data["name"] = name
            taken = Segment.objects.filter(site=site, name=name).exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error("name", f"{site} already has a segment called “{name}”.")
        return data


class GoalCreateView(_DuplicateRaceAsFormError, generic.CreateView):
    pass


class GoalEditView(_DuplicateRaceAsFormError, generic.EditView):
    pass


def _definition(goal: Goal) -> str:
    return goal.page_path if goal.kind == Goal.Kind.PAGE else goal.event_name


class GoalViewSet(ModelViewSet):
    """Marketing roles and IT add, change and delete goals; the Viewer lists and inspects."""

    model = Goal
    name = "analytics_goals"
    url_prefix = "analytics/goals"
    icon = "crosshairs"
    menu_label = "Goals"
    add_to_settings_menu = True
    add_view_class = GoalCreateView
    edit_view_class = GoalEditView
    inspect_view_enabled = True
    inspect_view_fields = ["site", "kind", "event_name", "page_path", "display_name", "created_at"]
    list_display = [
        "display_name",
        "site",
        Column("kind", label="Kind", accessor="get_kind_display"),
        Column("definition", label="Counts", accessor=_definition),
    ]
    list_filter = ["site", "kind"]
    search_fields = ["display_name", "event_name", "page_path"]
    search_backend_name = None  # a handful of rows: the database's icontains is enough

    def get_form_class(self, for_update: bool = False) -> type[GoalForm]:
        return GoalForm


class SegmentCreateView(_DuplicateRaceAsFormError, generic.CreateView):
    def save_instance(self) -> Segment:
        self.form.instance.created_by = self.request.user
        segment: Segment = super().save_instance()
        return segment


class SegmentEditView(_DuplicateRaceAsFormError, generic.EditView):
    pass


class SegmentViewSet(ModelViewSet):
    """Saved filter sets, asked for as ``["is", "segment", [id]]``; managed like goals."""

    model = Segment
    name = "analytics_segments"
    url_prefix = "analytics/segments"
    icon = "sliders"
    menu_label = "Segments"
    add_to_settings_menu = True
    add_view_class = SegmentCreateView
    edit_view_class = SegmentEditView
    inspect_view_enabled = True
    inspect_view_fields = ["site", "name", "filters", "created_by", "created_at", "updated_at"]
    list_display = ["name", "site", Column("id", label="Segment id"), "updated_at"]
    list_filter = ["site"]
    search_fields = ["name"]
    search_backend_name = None

    def get_form_class(self, for_update: bool = False) -> type[SegmentForm]:
        return SegmentForm
