"""Two origins through HTTP: the public origin never takes or gives a session cookie and sends
the admin to its own origin; the admin origin serves the admin and login-only pages, and
sends the rest of the site to the public origin (core/http/origins.py)."""

from typing import Any

import pytest
from django.test import Client
from wagtail.models import PageViewRestriction

from commonground.content.models import HomePage
from commonground.core.http import origins
from commonground.governance.posture import checks as posture

from ..conftest import client_for
from ..content.factories import StandardPageFactory
from ..core.factories import PASSWORD

PUBLIC = "http://127.0.0.1:8000"
ADMIN = "http://localhost:8000"
PUBLIC_HOST = {"HTTP_HOST": "127.0.0.1:8000"}
ADMIN_HOST = {"HTTP_HOST": "localhost:8000"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_origins(settings: Any) -> None:
    settings.WAGTAILADMIN_BASE_URL = PUBLIC
    settings.ADMIN_BASE_URL = ADMIN


@pytest.fixture
def members(home: HomePage) -> Any:
    """A login-only page ("login required" in page privacy) with a public page beside it."""
    page = StandardPageFactory(parent=home, title="Members", slug="members")
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    StandardPageFactory(parent=page, title="Deeper", slug="deeper")
    StandardPageFactory(parent=home, title="Open", slug="open")
    return page


def test_one_origin_unless_admin_base_url_names_another(settings: Any) -> None:
    settings.WAGTAILADMIN_BASE_URL = PUBLIC
    settings.ADMIN_BASE_URL = ""
    assert origins.shares_origin()
    settings.ADMIN_BASE_URL = "http://127.0.0.1:8000/"  # the same origin, written differently
    assert origins.shares_origin()
    settings.ADMIN_BASE_URL = ADMIN
    assert not origins.shares_origin()
    assert origins.admin_base_url() == ADMIN


def test_the_public_origin_sends_the_admin_to_its_own_origin(two_origins: None, it_admin) -> None:
    client = client_for(it_admin, **PUBLIC_HOST)  # its session cookie goes along, ignored
    moved = client.get("/admin/users/?q=a")
    assert moved.status_code == 302
    assert moved["Location"] == f"{ADMIN}/admin/users/?q=a"
    assert client.get("/admin/login/?next=/members/")["Location"] == (
        f"{ADMIN}/admin/login/?next=/members/"
    )
    refused = client.post("/admin/users/add/", {"username": "x"})
    assert refused.status_code == 404
    assert b"its own address" in refused.content
    assert not moved.cookies and not refused.cookies


def test_the_public_origin_ignores_a_session_and_sets_no_cookie(
    two_origins: None, it_admin, members: Any
) -> None:
    client = client_for(it_admin, **PUBLIC_HOST)  # signed in, two-factor done
    assert client_for(it_admin, **ADMIN_HOST).get("/members/").status_code == 200  # valid there
    private = client.get("/members/")
    assert private.status_code == 302, "a signed-in session counts for nothing here"
    assert private["Location"].startswith("/_util/login/?next=/members/")
    assert client.get(private["Location"])["Location"] == f"{ADMIN}/admin/login/?next=/members/"
    for path in ("/", "/open/", "/members/", "/admin/", "/nowhere/"):
        response = client.get(path)
        assert not response.cookies, (path, response.cookies)
        assert "Set-Cookie" not in response.headers
    home = client.get("/")
    assert home.status_code == 200
    assert it_admin.username not in home.content.decode()  # nobody's userbar or name


def test_the_public_origin_takes_form_posts_without_a_cookie_but_not_from_other_origins(
    two_origins: None, home: HomePage
) -> None:
    # No cookie on this origin means nothing for a CSRF token to protect: a same-origin (or
    # Origin-less) POST is judged by the view, a cross-origin one refused by the CSRF check.
    client = Client(enforce_csrf_checks=True, **PUBLIC_HOST)
    same = client.post("/", {"a": "1"}, HTTP_ORIGIN=PUBLIC)
    assert same.status_code != 403
    foreign = client.post("/", {"a": "1"}, HTTP_ORIGIN="http://evil.example")
    assert foreign.status_code == 403


def test_the_admin_origin_signs_in_with_a_host_only_cookie(two_origins: None, editor) -> None:
    client = Client(enforce_csrf_checks=False, **ADMIN_HOST)
    login = client.get("/admin/login/")
    assert login.status_code == 200
    signed_in = client.post("/admin/login/", {"username": editor.username, "password": PASSWORD})
    assert signed_in.status_code == 302
    cookie = signed_in.cookies["sessionid"]
    assert cookie.value
    assert not cookie["domain"], "host-only: no Domain attribute"
    assert cookie["httponly"]
    assert client.get("/admin/").status_code == 200


def test_the_admin_origin_serves_login_only_pages_and_sends_the_rest_to_the_public_origin(
    two_origins: None, editor, members: Any
) -> None:
    client = client_for(editor, **ADMIN_HOST)
    for path in ("/members/", "/members/deeper/"):
        page = client.get(path)
        assert page.status_code == 200, path
        policy = page["Content-Security-Policy"]
        assert "script-src 'self'; object-src 'none'; base-uri 'none'" in policy
    assert client.get("/open/?x=1")["Location"] == f"{PUBLIC}/open/?x=1"
    assert client.get("/")["Location"] == f"{PUBLIC}/"
    assert client.post("/members/", {}).status_code == 404
    anonymous = Client(**ADMIN_HOST).get("/members/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/_util/login/?next=/members/")


def test_admin_previews_run_only_this_origins_own_scripts(
    two_origins: None, editor, members: Any
) -> None:
    client = client_for(editor, **ADMIN_HOST)
    draft = client.get(f"/admin/pages/{members.pk}/view_draft/")
    assert draft.status_code == 200
    assert "script-src 'self'" in draft["Content-Security-Policy"]
    assert "Content-Security-Policy" not in client.get("/admin/")  # Wagtail's own pages


def test_the_posture_page_says_which_origin_the_admin_is_on(settings: Any) -> None:
    settings.WAGTAILADMIN_BASE_URL = PUBLIC
    settings.ADMIN_BASE_URL = ""
    settings.ADMIN_SHARED_ORIGIN_ACCEPTED = False
    assert posture.admin_on_its_own_origin().status == posture.Status.PROBLEM
    settings.ADMIN_SHARED_ORIGIN_ACCEPTED = True
    accepted = posture.admin_on_its_own_origin()
    assert accepted.status == posture.Status.WARNING
    assert "accepted risk" in accepted.found
    settings.ADMIN_BASE_URL = ADMIN
    separate = posture.admin_on_its_own_origin()
    assert separate.status == posture.Status.OK
    assert ADMIN in separate.found
