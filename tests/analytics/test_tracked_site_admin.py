"""The "Tracked sites" admin, through Wagtail's HTTP views as each role's user."""

import html
import importlib
import re
import uuid

import pytest
from django.apps import apps as installed_apps
from django.contrib.auth.models import AbstractUser, Group
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from commonground.analytics.admin.forms import (
    DOMAIN_ONLY_MESSAGE,
    IDNA_DEVIATION_MESSAGE,
    INVALID_DOMAIN_MESSAGE,
    TrackedSiteForm,
)
from commonground.analytics.admin.sites import embed_instructions
from commonground.analytics.ingest import sites
from commonground.analytics.models import TrackedSite
from commonground.core import roles

from ..conftest import client_for

pytestmark = pytest.mark.django_db

ADD = reverse("tracked_sites:add")
INDEX = reverse("tracked_sites:index")
DENIED = reverse("wagtailadmin_home")  # where Wagtail sends a browser it refuses
NOT_IT = ["editor", "publisher", "viewer"]
SNIPPET = re.compile(r'<textarea[^>]*id="tracked-site-embed-snippet"[^>]*>(.*?)</textarea>', re.S)


def edit_url(site: TrackedSite) -> str:
    return reverse("tracked_sites:edit", args=[site.pk])


def inspect_url(site: TrackedSite) -> str:
    return reverse("tracked_sites:inspect", args=[site.pk])


def delete_url(site: TrackedSite) -> str:
    return reverse("tracked_sites:delete", args=[site.pk])


def form_data(
    domain: str = "shop.example.com",
    *,
    name: str = "Shop",
    time_zone: str = "Europe/Berlin",
    respect_do_not_track: bool = False,
    umami_website_id: str = "",
) -> dict[str, str]:
    data = {
        "domain": domain,
        "name": name,
        "time_zone": time_zone,
        "umami_website_id": umami_website_id,
    }
    if respect_do_not_track:
        data["respect_do_not_track"] = "on"
    return data


def field_errors(response: HttpResponse, field: str) -> list[str]:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return list(response.context["form"].errors.get(field, []))


def shown_snippet(response: HttpResponse) -> str:
    """The snippet as a marketer copies it: the text of the read-only box."""
    assert response.status_code == 200
    match = SNIPPET.search(response.content.decode())
    assert match, "no embed snippet on the page"
    return html.unescape(match[1])


def test_it_admin_creates_a_site_refusing_a_url_and_normalising_the_domain(it_admin) -> None:
    client = client_for(it_admin)

    response = client.post(ADD, form_data("https://WWW.Shop.Example.com/"))

    assert field_errors(response, "domain") == [DOMAIN_ONLY_MESSAGE]
    assert "Enter the domain only, e.g. www.example.com" in response.content.decode()
    assert not TrackedSite.objects.exists()

    response = client.post(ADD, form_data("www.shop.example.com", respect_do_not_track=True))

    site = TrackedSite.objects.get()
    assert (site.domain, site.name, site.time_zone) == ("shop.example.com", "Shop", "Europe/Berlin")
    assert site.respect_do_not_track
    assert site.umami_website_id is None
    # Straight to the page with the snippet, which is what IT hands on next.
    assert response.status_code == 302
    assert response["Location"] == edit_url(site)
    # The existing signal handler ran: ingest counts the new site at once.
    assert sites.is_tracked("shop.example.com")


def test_a_duplicate_domain_is_a_form_error(it_admin) -> None:
    TrackedSite.objects.create(domain="shop.example.com", name="Shop")

    response = client_for(it_admin).post(ADD, form_data("WWW.Shop.example.com", name="Again"))

    assert field_errors(response, "domain") == ["This domain is already tracked."]
    assert list(TrackedSite.objects.values_list("name", flat=True)) == ["Shop"]


def test_renaming_a_domain_onto_another_site_is_a_form_error(it_admin) -> None:
    TrackedSite.objects.create(domain="shop.example.com", name="Shop")
    blog = TrackedSite.objects.create(domain="blog.example.com", name="Blog")

    response = client_for(it_admin).post(edit_url(blog), form_data("shop.example.com"))

    assert field_errors(response, "domain") == ["This domain is already tracked."]
    blog.refresh_from_db()
    assert blog.domain == "blog.example.com"
    # The snippet shows the saved domain, not the refused one.
    assert 'data-domain="blog.example.com"' in shown_snippet(response)


def test_a_duplicate_umami_website_id_is_a_form_error(it_admin) -> None:
    website = uuid.uuid4()
    TrackedSite.objects.create(domain="shop.example.com", name="Shop", umami_website_id=website)

    response = client_for(it_admin).post(
        ADD, form_data("blog.example.com", umami_website_id=str(website))
    )

    assert field_errors(response, "umami_website_id") == [
        "Another tracked site already has this Umami website id."
    ]
    assert TrackedSite.objects.count() == 1


def test_a_domain_taken_between_validation_and_saving_is_a_form_error(
    it_admin, monkeypatch
) -> None:
    # Another request inserts the domain after this form checked it: the first uniqueness
    # check finds nothing, and the database refuses the row.
    TrackedSite.objects.create(domain="shop.example.com", name="Other request")
    check_unique = TrackedSiteForm.validate_unique
    checks: list[TrackedSiteForm] = []

    def first_check_misses(form: TrackedSiteForm) -> None:
        checks.append(form)
        if len(checks) > 1:
            check_unique(form)

    monkeypatch.setattr(TrackedSiteForm, "validate_unique", first_check_misses)

    response = client_for(it_admin).post(ADD, form_data("shop.example.com"))

    assert field_errors(response, "domain") == ["This domain is already tracked."]
    assert len(checks) == 2
    assert list(TrackedSite.objects.values_list("name", flat=True)) == ["Other request"]


def test_a_time_zone_must_be_an_iana_name(it_admin) -> None:
    client = client_for(it_admin)

    response = client.post(ADD, form_data(time_zone="Mars/Olympus_Mons"))

    [error] = field_errors(response, "time_zone")
    assert "Mars/Olympus_Mons" in error
    assert "is not a time zone" in error
    assert not TrackedSite.objects.exists()

    response = client.post(ADD, form_data(time_zone=" america/new_york "))

    assert response.status_code == 302
    assert TrackedSite.objects.get().time_zone == "America/New_York"


@pytest.mark.parametrize(
    ("domain", "error"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("x" * 300, "Ensure this value has at most 253 characters (it has 300)."),
        # 231 characters typed, 255 once IDNA-encoded.
        (".".join(["ü" * 55] * 4 + ["abcd", "de"]), INVALID_DOMAIN_MESSAGE),
        ("a" * 64 + ".com", INVALID_DOMAIN_MESSAGE),
        ("shop.example.com:8080", DOMAIN_ONLY_MESSAGE),
        ("shop.example.com/about", DOMAIN_ONLY_MESSAGE),
        ("user@shop.example.com", DOMAIN_ONLY_MESSAGE),
        ("shop example.com", DOMAIN_ONLY_MESSAGE),
        ("shop.example.com?utm_source=x", DOMAIN_ONLY_MESSAGE),
        ("shop..example.com", INVALID_DOMAIN_MESSAGE),
        ("-shop.example.com", INVALID_DOMAIN_MESSAGE),
        ("shop_1.example.com", INVALID_DOMAIN_MESSAGE),
        ('"><script>.com', INVALID_DOMAIN_MESSAGE),
        ("[::1::2]", INVALID_DOMAIN_MESSAGE),
        ("straße.de", IDNA_DEVIATION_MESSAGE),
    ],
)
def test_ugly_domains_are_form_errors(it_admin, domain: str, error: str) -> None:
    response = client_for(it_admin).post(ADD, form_data(domain))

    assert field_errors(response, "domain") == [error]
    assert not TrackedSite.objects.exists()


@pytest.mark.parametrize(
    ("domain", "stored"),
    [
        # Browsers report internationalised domains IDNA-encoded, in the Host header too.
        ("Bücher.de", "xn--bcher-kva.de"),
        ("www.bücher.de", "xn--bcher-kva.de"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        ("Shop.Example.COM.", "shop.example.com"),
        ("localhost", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
        ("[0:0::1]", "[::1]"),
    ],
)
def test_domains_are_stored_as_browsers_report_them(it_admin, domain: str, stored: str) -> None:
    response = client_for(it_admin).post(ADD, form_data(domain))

    assert response.status_code == 302, response.context["form"].errors
    assert TrackedSite.objects.get().domain == stored


def test_the_edit_page_shows_the_escaped_snippet(it_admin) -> None:
    website = uuid.uuid4()
    site = TrackedSite.objects.create(
        domain="shop.example.com", name="Shop", respect_do_not_track=True, umami_website_id=website
    )

    response = client_for(it_admin).get(edit_url(site))

    assert shown_snippet(response) == (
        '<script defer data-domain="shop.example.com"'
        ' data-api="http://testserver/api/event" data-respect-dnt="true"'
        ' src="http://testserver/static/analytics/tracker.min.js"></script>'
    )
    page = response.content.decode()
    # Shown as text, never as a live tag in the admin.
    assert "<script defer data-domain" not in page
    assert "&lt;script defer data-domain=&quot;shop.example.com&quot;" in page
    assert f"<code>http://testserver/api/send</code> with website id <code>{website}</code>" in page


def test_the_snippet_omits_do_not_track_and_umami_unless_set(it_admin) -> None:
    site = TrackedSite.objects.create(domain="shop.example.com", name="Shop")

    response = client_for(it_admin).get(edit_url(site))

    snippet = shown_snippet(response)
    assert "data-respect-dnt" not in snippet
    assert 'data-api="http://testserver/api/event"' in snippet
    assert 'id="tracked-site-umami"' not in response.content.decode()


def test_the_snippet_uses_the_origin_the_admin_is_served_from(it_admin) -> None:
    site = TrackedSite.objects.create(domain="shop.example.com", name="Shop")

    response = client_for(it_admin).get(inspect_url(site), secure=True, HTTP_HOST="localhost")

    snippet = shown_snippet(response)
    assert 'data-api="https://localhost/api/event"' in snippet
    assert 'src="https://localhost/static/analytics/tracker.min.js"' in snippet


def test_the_snippet_escapes_what_it_shows(it_admin) -> None:
    # Not a domain the form accepts, but rows can come from elsewhere (shell, imports).
    site = TrackedSite.objects.create(domain='x"><script>alert(1)</script>', name="Odd")

    response = client_for(it_admin).get(inspect_url(site))

    assert 'data-domain="x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in shown_snippet(
        response
    )
    assert "<script>alert(1)" not in response.content.decode()


def test_the_snippet_names_the_unhashed_script_whatever_the_storage(settings) -> None:
    # A pasted snippet outlives deploys; a hashed name would stop resolving after the next one.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    site = TrackedSite(domain="shop.example.com", name="Shop")

    embed = embed_instructions(site, request=RequestFactory().get("/admin/"))

    assert 'src="http://testserver/static/analytics/tracker.min.js"' in embed.snippet


def test_viewer_lists_sites_and_opens_the_snippet_read_only(viewer) -> None:
    site = TrackedSite.objects.create(domain="shop.example.com", name="Shop")
    client = client_for(viewer)

    index = client.get(INDEX)

    assert index.status_code == 200
    page = index.content.decode()
    assert "shop.example.com" in page
    assert inspect_url(site) in page
    assert ADD not in page
    assert edit_url(site) not in page
    assert delete_url(site) not in page

    response = client.get(inspect_url(site))

    assert 'data-domain="shop.example.com"' in shown_snippet(response)
    assert edit_url(site) not in response.content.decode()


def test_the_index_offers_it_the_add_button(it_admin) -> None:
    # The control for the viewer test above: the same page does show it to IT.
    site = TrackedSite.objects.create(domain="shop.example.com", name="Shop")

    page = client_for(it_admin).get(INDEX).content.decode()

    assert ADD in page
    assert edit_url(site) in page


@pytest.mark.parametrize("role", [*NOT_IT, "it_admin"])
def test_every_role_finds_tracked_sites_in_the_menu(request, role: str) -> None:
    response = client_for(request.getfixturevalue(role)).get(reverse("wagtailadmin_home"))
    assert "Tracked sites" in response.content.decode()


def assert_refused(response: HttpResponse) -> None:
    assert response.status_code == 302
    assert response["Location"] == DENIED


@pytest.mark.parametrize("role", NOT_IT)
def test_only_it_adds_changes_or_deletes_sites(request, role: str) -> None:
    user: AbstractUser = request.getfixturevalue(role)
    site = TrackedSite.objects.create(domain="shop.example.com", name="Shop")
    client = client_for(user)

    assert_refused(client.get(ADD))
    assert_refused(client.post(ADD, form_data("other.example.com")))
    assert_refused(client.get(edit_url(site)))
    assert_refused(client.post(edit_url(site), form_data("evil.example.com", name="Defaced")))
    assert_refused(client.post(delete_url(site)))

    site.refresh_from_db()
    assert (site.domain, site.name, site.time_zone) == ("shop.example.com", "Shop", "UTC")
    assert list(TrackedSite.objects.all()) == [site]


@pytest.mark.parametrize("role", NOT_IT)
def test_scripts_are_refused_with_403(request, role: str) -> None:
    # Wagtail redirects a refused browser to the dashboard; an XHR client gets a plain 403.
    site = TrackedSite.objects.create(domain="shop.example.com", name="Shop")
    client = client_for(request.getfixturevalue(role))
    xhr = {"x-requested-with": "XMLHttpRequest"}

    create = client.post(ADD, form_data("other.example.com"), headers=xhr)
    edit = client.post(edit_url(site), form_data("evil.example.com", name="Defaced"), headers=xhr)

    assert (create.status_code, edit.status_code) == (403, 403)
    site.refresh_from_db()
    assert (site.domain, site.name) == ("shop.example.com", "Shop")
    assert TrackedSite.objects.count() == 1


def test_it_admin_edits_and_deletes_a_site(it_admin) -> None:
    site = TrackedSite.objects.create(domain="shop.example.com", name="Shop")
    client = client_for(it_admin)

    response = client.post(edit_url(site), form_data("www.store.example.com", name="Store"))

    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.domain, site.name) == ("store.example.com", "Store")
    assert sites.is_tracked("store.example.com")
    assert not sites.is_tracked("shop.example.com")

    response = client.post(delete_url(site))

    assert response.status_code == 302
    assert not TrackedSite.objects.exists()
    assert not sites.is_tracked("store.example.com")


MANAGE = {"add_trackedsite", "change_trackedsite", "delete_trackedsite", "view_trackedsite"}
EXPECTED_GRANTS = {
    roles.IT_ADMINISTRATOR: MANAGE,
    roles.MARKETING_PUBLISHER: {"view_trackedsite"},
    roles.MARKETING_EDITOR: {"view_trackedsite"},
    roles.VIEWER: {"view_trackedsite"},
}


def tracked_site_grants() -> dict[str, set[str]]:
    return {
        name: set(
            Group.objects.get(name=name)
            .permissions.filter(content_type__app_label="analytics", codename__in=MANAGE)
            .values_list("codename", flat=True)
        )
        for name in EXPECTED_GRANTS
    }


def test_the_migration_granted_the_roles_their_tracked_site_permissions() -> None:
    assert tracked_site_grants() == EXPECTED_GRANTS


def test_the_migration_reverses_to_no_grants_and_back() -> None:
    migration = importlib.import_module(
        "commonground.analytics.migrations.0004_tracked_site_permissions"
    )

    migration.revoke(installed_apps, None)

    assert tracked_site_grants() == {name: set() for name in EXPECTED_GRANTS}

    migration.grant(installed_apps, None)

    assert tracked_site_grants() == EXPECTED_GRANTS
