"""The "Content overview" admin report: what each role sees, that it stays read-only, and export."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.menu import reports_menu
from wagtail.models import Page, Site

from commonground.content.models import HomePage, StandardPage
from commonground.core import roles

from ..conftest import signed_in

pytestmark = pytest.mark.django_db

REPORT_URL = "/admin/reports/content-overview/"


def make_user(role: str) -> User:
    user = get_user_model().objects.create_user(
        username=role.lower().replace(" ", "-"), password="pw-for-tests"
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def add_page(parent: Page, page: Page, *, publish: bool) -> Page:
    # Pages are born live in Wagtail; the editor's way is a draft that a revision publishes.
    page.live = False
    parent.add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
    page.refresh_from_db()
    return page


@pytest.fixture
def tree() -> dict[str, Page]:
    root = Page.get_first_root_node()
    home = add_page(
        root,
        HomePage(title="Overview home", slug="overview-home", hero_title="Hello"),
        publish=True,
    )
    # A page has a live URL only inside a site, so the default site serves this home.
    Site.objects.filter(is_default_site=True).update(root_page=home)
    Site.clear_site_root_paths_cache()
    about = add_page(home, StandardPage(title="About the cooperative", slug="about"), publish=True)
    draft = add_page(home, StandardPage(title="Pricing draft", slug="pricing"), publish=False)
    return {"home": home, "about": about, "draft": draft}


def logged_in(client: Client, role: str) -> Client:
    return signed_in(client, make_user(role))


def test_viewer_sees_every_page_with_type_and_status(client: Client, tree: dict[str, Page]) -> None:
    response = logged_in(client, roles.VIEWER).get(REPORT_URL)

    assert response.status_code == 200
    html = response.content.decode()
    for title in ("Overview home", "About the cooperative", "Pricing draft"):
        assert title in html
    assert "Standard page" in html
    assert "draft" in html
    # The tree root is Wagtail's anchor, never content.
    assert f'data-content-overview-page="{Page.get_first_root_node().pk}"' not in html


def test_viewer_gets_no_edit_links_or_action_buttons(client: Client, tree: dict[str, Page]) -> None:
    html = logged_in(client, roles.VIEWER).get(REPORT_URL).content.decode()

    assert "data-content-overview-edit" not in html
    for page in tree.values():
        assert reverse("wagtailadmin_pages:edit", args=[page.pk]) not in html
        assert reverse("wagtailadmin_pages:delete", args=[page.pk]) not in html


def test_editor_gets_edit_links(client: Client, tree: dict[str, Page]) -> None:
    html = logged_in(client, roles.MARKETING_EDITOR).get(REPORT_URL).content.decode()

    assert reverse("wagtailadmin_pages:edit", args=[tree["about"].pk]) in html


def test_viewer_still_cannot_open_the_page_editor(client: Client, tree: dict[str, Page]) -> None:
    about = tree["about"]
    logged_in(client, roles.VIEWER)

    opened = client.get(f"/admin/pages/{about.pk}/edit/")
    posted = client.post(
        f"/admin/pages/{about.pk}/edit/",
        {"title": "Defaced", "slug": "about", "action-publish": "1"},
    )

    assert opened.status_code in (302, 403)
    assert posted.status_code in (302, 403)
    if opened.status_code == 302:
        assert "/admin/login/" in opened["Location"] or opened["Location"] == "/admin/"
    about.refresh_from_db()
    assert about.title == "About the cooperative"


@pytest.mark.parametrize(
    "role",
    [roles.VIEWER, roles.MARKETING_EDITOR, roles.MARKETING_PUBLISHER, roles.IT_ADMINISTRATOR],
)
def test_every_role_sees_the_report_and_its_menu_item(
    client: Client, tree: dict[str, Page], role: str
) -> None:
    user = make_user(role)
    signed_in(client, user)

    assert client.get(REPORT_URL).status_code == 200
    request = client.get("/admin/").wsgi_request
    shown = [item.name for item in reports_menu.menu_items_for_request(request)]
    assert "content-overview" in shown


def test_filters_narrow_the_list(client: Client, tree: dict[str, Page]) -> None:
    logged_in(client, roles.VIEWER)

    drafts = client.get(REPORT_URL, {"live": "false"}).content.decode()
    standard = client.get(
        REPORT_URL, {"content_type": tree["about"].content_type_id}
    ).content.decode()

    assert "Pricing draft" in drafts
    assert "About the cooperative" not in drafts
    assert "About the cooperative" in standard
    assert "Overview home" not in standard


def test_csv_export_lists_pages_with_status_and_live_url(
    client: Client, tree: dict[str, Page]
) -> None:
    response = logged_in(client, roles.VIEWER).get(REPORT_URL, {"export": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "content-overview.csv" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    rows = {row["Title"]: row for row in csv.DictReader(io.StringIO(body))}
    # Wagtail's migration leaves its welcome page in the tree, so ours are a subset.
    assert {"Overview home", "About the cooperative", "Pricing draft"} <= set(rows)
    assert rows["About the cooperative"]["Live URL"] == "http://testserver/about/"
    assert rows["Pricing draft"]["Status"] == "draft"
    assert rows["About the cooperative"]["Type"] == "Standard page"
    assert rows["Pricing draft"]["Live URL"] == ""


def test_xlsx_export_is_a_workbook(client: Client, tree: dict[str, Page]) -> None:
    response = logged_in(client, roles.VIEWER).get(REPORT_URL, {"export": "xlsx"})

    assert response.status_code == 200
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert body[:2] == b"PK"  # XLSX is a zip archive


def test_anonymous_user_is_sent_to_login(client: Client, tree: dict[str, Page]) -> None:
    response = client.get(REPORT_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_user_without_admin_access_is_refused(client: Client, tree: dict[str, Page]) -> None:
    client.force_login(get_user_model().objects.create_user(username="outsider", password="pw"))

    response = client.get(REPORT_URL)

    assert response.status_code in (302, 403)
    assert b"About the cooperative" not in response.content


def test_scheduled_page_shows_as_scheduled(client: Client, tree: dict[str, Page]) -> None:
    page = StandardPage(title="Launch notes", slug="launch-notes", live=False)
    page.go_live_at = timezone.now() + timedelta(days=3)
    tree["home"].add_child(instance=page)
    # Publishing a revision with a future go-live time schedules it rather than going live.
    page.save_revision().publish()

    response = logged_in(client, roles.VIEWER).get(REPORT_URL, {"export": "csv"})

    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    rows = {row["Title"]: row for row in csv.DictReader(io.StringIO(body))}
    assert rows["Launch notes"]["Status"] == "scheduled"
