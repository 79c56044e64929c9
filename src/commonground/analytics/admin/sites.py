"""The "Tracked sites" admin: IT manages the list, every role can read a site's embed snippet."""

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from ..models import TrackedSite
from .forms import TrackedSiteForm

TRACKER_SCRIPT = "analytics/tracker.min.js"


@dataclass(frozen=True)
class EmbedInstructions:
    """What a marketer pastes into another site's <head>, and where Umami senders post."""

    snippet: SafeString  # markup to show as text in the admin, never to render there
    umami_send_url: str
    umami_website_id: uuid.UUID | None


def embed_instructions(site: TrackedSite, *, request: HttpRequest) -> EmbedInstructions:
    """The snippet for ``site``, with absolute URLs on the origin the admin is served from."""
    # Not static(): the manifest storage would give the hashed file name, which changes with
    # every tracker build and disappears on the next deploy, while a pasted snippet stays for
    # years. WhiteNoise serves the unhashed name too, cached for WHITENOISE_MAX_AGE.
    script_url = f"{settings.STATIC_URL}{TRACKER_SCRIPT}"
    snippet = format_html(
        '<script defer data-domain="{}" data-api="{}"{} src="{}"></script>',
        site.domain,
        request.build_absolute_uri(reverse("analytics_event")),
        format_html(' data-respect-dnt="{}"', "true") if site.respect_do_not_track else "",
        request.build_absolute_uri(script_url),
    )
    return EmbedInstructions(
        snippet=snippet,
        umami_send_url=request.build_absolute_uri(reverse("analytics_umami_send")),
        umami_website_id=site.umami_website_id,
    )


class _DuplicateRaceAsFormError:
    """Answers a unique-constraint race with the form error validation would have given.

    The form checks uniqueness before saving, but another request can take the same domain
    (or Umami website id) in between; the database then refuses the row.
    """

    def form_valid(self, form: ModelForm) -> HttpResponse:
        try:
            response: HttpResponse = super().form_valid(form)  # type: ignore[misc]
            return response
        except IntegrityError:
            # The transaction was rolled back; the other row is now visible to the checks.
            # All of them again, not validate_unique() alone: that skips Meta.constraints,
            # which are what keeps goals and segments unique per site.
            form.full_clean()
            if not form.errors:
                raise
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()  # type: ignore[attr-defined]
            refused: HttpResponse = self.form_invalid(form)  # type: ignore[attr-defined]
            return refused


class TrackedSiteCreateView(_DuplicateRaceAsFormError, generic.CreateView):
    def get_success_url(self) -> str:
        # Straight to the page with the snippet: pasting it is the next step.
        url: str = self.get_edit_url()
        return url


class TrackedSiteEditView(_DuplicateRaceAsFormError, generic.EditView):
    def get_object(self, queryset: Any = None) -> TrackedSite:
        site: TrackedSite = super().get_object(queryset)
        # Built before the form binds: a refused POST writes its values onto this instance,
        # and the snippet must show what is saved.
        self.embed = embed_instructions(site, request=self.request)
        return site

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "embed": self.embed}


class TrackedSiteInspectView(generic.InspectView):
    def get_respect_do_not_track_display_value(self) -> str:
        return "Yes" if self.object.respect_do_not_track else "No"

    def get_exclude_staff_display_value(self) -> str:
        return "Yes" if self.object.exclude_staff else "No"

    def get_excluded_networks_display_value(self) -> str:
        return ", ".join(self.object.excluded_networks.split()) or "None"

    def get_umami_website_id_display_value(self) -> str:
        return str(self.object.umami_website_id or "Not set")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        embed = embed_instructions(self.object, request=self.request)
        return {**super().get_context_data(**kwargs), "embed": embed}


class TrackedSiteViewSet(ModelViewSet):
    """Add, change and delete need the model permissions only IT holds; view is for everyone.

    Without add/change/delete a user gets the list and the read-only inspect page with the
    snippet; Wagtail hides the buttons and refuses the views.
    """

    model = TrackedSite
    name = "tracked_sites"
    url_prefix = "tracked-sites"
    icon = "site"
    menu_label = "Tracked sites"
    add_to_settings_menu = True
    add_view_class = TrackedSiteCreateView
    edit_view_class = TrackedSiteEditView
    inspect_view_class = TrackedSiteInspectView
    inspect_view_enabled = True
    inspect_view_fields = [
        "domain",
        "name",
        "time_zone",
        "respect_do_not_track",
        "exclude_staff",
        "excluded_networks",
        "umami_website_id",
        "created_at",
    ]
    # A copy would only fail the unique domain check.
    copy_view_enabled = False
    list_display = [
        "domain",
        "name",
        "time_zone",
        BooleanColumn(
            "respect_do_not_track",
            label="Do Not Track honoured",
            sort_key="respect_do_not_track",
        ),
    ]
    search_fields = ["domain", "name"]
    search_backend_name = None  # a handful of rows: the database's icontains is enough
    edit_template_name = "analytics/admin/tracked_site_edit.html"
    inspect_template_name = "analytics/admin/tracked_site_inspect.html"

    def get_form_class(self, for_update: bool = False) -> type[TrackedSiteForm]:
        return TrackedSiteForm
