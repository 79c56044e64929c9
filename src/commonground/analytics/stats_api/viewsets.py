"""The "API keys" admin (Settings menu): people list, create and revoke their own keys; IT sees
and revokes everyone's. A new key's secret is shown once, on the page that answers the form.

Wagtail's own API-token admin (``wagtail.users.views.api_tokens``) is bound to the bare token
and only registered with Wagtail's API v3; ours adds what a Stats API key has beyond a token:
the sites, picked at creation.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.functional import cached_property
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn, UserColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import MenuItem
from wagtail.models import APIToken
from wagtail.users.utils import get_manageable_token_owners

from ..models import CREATE_STATS_API_KEYS, StatsApiKey, TrackedSite
from .keys import create_api_key, record_refused_creation, revoke_api_key
from .permissions import CREATE_KEYS, REVOKE_KEYS, readable_sites, why_not_create_keys


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=APIToken._meta.get_field("name").max_length,
        help_text="What the key is for, e.g. “BI dashboard”, so you know it later.",
    )
    sites = forms.ModelMultipleChoiceField(
        queryset=TrackedSite.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="The key reads these sites only.",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only sites the user may read are offered, and only those are accepted.
        sites_field = self.fields["sites"]
        assert isinstance(sites_field, forms.ModelMultipleChoiceField)
        sites_field.queryset = readable_sites(user)


INDEX_URL = "api_keys:index"


def _status(key: StatsApiKey) -> str:
    return "Revoked" if key.token.revoked_at else "Active"


class ApiKeyIndexView(generic.IndexView):
    def get_base_queryset(self) -> QuerySet[StatsApiKey]:
        keys = self.permission_policy.instances_user_has_permission_for(self.request.user, "view")
        readable: QuerySet[StatsApiKey] = keys.select_related("token__user").prefetch_related(
            "sites"
        )
        return readable

    @cached_property
    def shows_everyones_keys(self) -> bool:
        # Wagtail's rule gives everyone's keys to those who may change users.
        user = self.request.user
        return bool(get_manageable_token_owners(user).exclude(pk=user.pk).exists())

    @cached_property
    def columns(self) -> list[Column]:
        columns = [
            self._get_title_column_class(TitleColumn)(
                "name",
                label="Name",
                accessor="token.name",
                sort_key="token__name",
                get_url=lambda key: None,  # a key has no page of its own
            ),
            Column("prefix", label="Key", accessor=lambda key: f"{key.token.prefix}…"),
            Column(
                "sites",
                label="Sites",
                accessor=lambda key: ", ".join(site.domain for site in key.sites.all()),
            ),
            DateColumn(
                "created", label="Created", accessor="token.created", sort_key="token__created"
            ),
            DateColumn(
                "last_used_at",
                label="Last used",
                accessor="token.last_used_at",
                sort_key="token__last_used_at",
            ),
            StatusTagColumn(
                "status", accessor=_status, primary=lambda key: key.token.revoked_at is None
            ),
        ]
        if self.shows_everyones_keys:
            columns.insert(1, UserColumn("owner", label="Owner", accessor="token.user"))
        return columns

    def get_list_more_buttons(self, instance: StatsApiKey) -> list[Any]:
        # Keys are never edited, copied or deleted (the row stays for the audit trail).
        if instance.token.revoked_at is not None or not self.user_has_permission_for_instance(
            "delete", instance
        ):
            return []
        revoke_url = reverse(self.delete_url_name, args=[instance.pk])
        return [MenuItem("Revoke", url=revoke_url, icon_name="bin", priority=30)]


class ApiKeyCreateView(generic.CreateView):
    page_title = "New API key"
    success_template_name = "analytics/api_keys/created.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if reason := why_not_create_keys(request.user):
            # A 403 that says why (Wagtail would redirect to the dashboard), before any form
            # is read; a POST, which the page never offered, is audited.
            if request.method == "POST":
                record_refused_creation(user=request.user, reason=reason)
            return TemplateResponse(
                request,
                "analytics/api_keys/refused.html",
                {"header_title": "Not allowed", "reason": reason, "index_url": INDEX_URL},
                status=403,
            )
        response: HttpResponseBase = super().dispatch(request, *args, **kwargs)
        return response

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().get_form_kwargs()
        kwargs.pop("instance", None)  # a plain form: the key is made by the service
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form: forms.Form) -> HttpResponse:
        owner = self.request.user
        if isinstance(owner, AnonymousUser):  # the admin lets no one in unsigned
            raise PermissionDenied
        new = create_api_key(
            owner=owner,
            name=form.cleaned_data["name"],
            sites=form.cleaned_data["sites"],
        )
        self.object = new.token.stats_api_key
        context = {
            **super().get_context_data(form=form),
            "token": new.token,
            "sites": self.object.sites.all(),
            "plaintext": new.plaintext,
            "page_title": "API key created",
            "index_url": reverse(self.index_url_name),
        }
        response = TemplateResponse(self.request, self.success_template_name, context)
        # The only time the secret is on a page: no cache or back button may keep it.
        response["Cache-Control"] = "no-store"
        return response


class ApiKeyRevokeView(generic.DeleteView):
    page_title = "Revoke"
    template_name = "wagtailusers/api_tokens/confirm_revoke.html"

    def get_object(self, queryset: Any = None) -> StatsApiKey:
        policy = self.permission_policy
        revocable = policy.instances_user_has_permission_for(self.request.user, "delete")
        key: StatsApiKey = super().get_object(revocable.select_related("token__user"))
        return key

    @property
    def confirmation_message(self) -> str:
        return (
            f"Revoke “{self.object.token.name}”? Requests with this key are refused from now "
            "on; this cannot be undone."
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # self.object came from get_object, which finds only keys the user may revoke.
        name = self.object.token.name
        if revoke_api_key(self.object.token, by=request.user):
            messages.success(request, f"API key “{name}” revoked.")
        else:
            messages.info(request, f"API key “{name}” was already revoked.")
        return HttpResponseRedirect(self.get_success_url())


class ApiKeyViewSet(ModelViewSet):
    model = StatsApiKey
    name = "api_keys"
    url_prefix = "api-keys"
    icon = "key"
    menu_label = "API keys"
    add_to_settings_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = False
    index_view_class = ApiKeyIndexView
    add_view_class = ApiKeyCreateView
    delete_view_class = ApiKeyRevokeView
    search_fields = ["token__name", "token__prefix"]
    search_backend_name = None  # a handful of rows: the database's icontains is enough

    def get_form_class(self, for_update: bool = False) -> type[ApiKeyForm]:
        return ApiKeyForm

    def get_permissions_to_register(self) -> QuerySet[Permission]:
        # A key is a Wagtail API token: the group editor offers the token permissions the
        # rules in ``permissions`` read, and the key model's own one for creating keys.
        tokens = Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(APIToken),
            codename__in=[perm.partition(".")[2] for perm in (CREATE_KEYS, REVOKE_KEYS)],
        )
        creating = Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(StatsApiKey),
            codename=CREATE_STATS_API_KEYS.partition(".")[2],
        )
        return tokens | creating

    def get_common_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        # The "delete" views revoke; keys have no edit, usage or history pages (their audit
        # entries are in Reports → Site history).
        common: dict[str, Any] = super().get_common_view_kwargs(
            delete_url_name=self.get_url_name("revoke"),
            edit_url_name=None,
            usage_url_name=None,
            history_url_name=None,
            **kwargs,
        )
        return common

    def register_admin_url_finder(self) -> None:
        # A key has no edit page for Wagtail's log views and reports to link to.
        return None

    def get_urlpatterns(self) -> list[URLPattern]:
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("new/", self.add_view, name="add"),
            path("revoke/<id:pk>/", self.delete_view, name="revoke"),
        ]
