"""Stats API keys: made with the secret shown once, kept as a hash, listed and revoked in the
admin by their owners and by IT, and checked on every request."""

import hashlib
import json
import re
import shutil
from datetime import timedelta

import pytest
from django.contrib.auth.models import AbstractUser, Permission
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from commonground.analytics.models import ApiKey, TrackedSite
from commonground.analytics.stats_api import keys
from commonground.analytics.stats_api.keys import ApiKeyRefusedError, authenticate, record_use
from commonground.analytics.stats_api.permissions import may_create_keys

from ..conftest import client_for, sign_in_to_admin
from ..core.factories import UserFactory
from ..live_http import Browser

pytestmark = pytest.mark.django_db

INDEX = reverse("api_keys:index")
ADD = reverse("api_keys:add")
KEY_ON_PAGE = re.compile(r'id="api-key-value"[^>]*value="(cg_[0-9a-f]{12}_[A-Za-z0-9_-]{43})"')


def revoke_url(api_key: ApiKey) -> str:
    return reverse("api_keys:revoke", args=[api_key.pk])


@pytest.fixture
def shop(db: None) -> TrackedSite:
    return TrackedSite.objects.create(domain="shop.example.com", name="Shop")


@pytest.fixture
def blog(db: None) -> TrackedSite:
    return TrackedSite.objects.create(domain="blog.example.com", name="Blog")


def make_key(owner: AbstractUser, *sites: TrackedSite, name: str = "BI") -> keys.NewApiKey:
    return keys.create_api_key(owner=owner, name=name, sites=sites)


def test_a_new_key_is_shown_once_and_only_its_hash_is_kept(editor, shop, blog) -> None:
    client = client_for(editor)

    response = client.post(ADD, {"name": "Looker", "sites": [shop.pk]})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    match = KEY_ON_PAGE.search(response.content.decode())
    assert match, "the new key is not on the page"
    plaintext = match[1]
    secret = plaintext.split("_", 2)[2]
    api_key = ApiKey.objects.get()
    assert (api_key.user, api_key.name, list(api_key.sites.all())) == (editor, "Looker", [shop])
    assert plaintext.startswith(f"cg_{api_key.prefix}_")
    assert api_key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    # The secret is in no table: not the key's row, not the audit log.
    assert secret not in _database_text()
    # Shown once: the list names the key by its prefix only.
    listing = client.get(INDEX).content.decode()
    assert f"cg_{api_key.prefix}_…" in listing
    assert secret not in listing
    # And the key works.
    assert authenticate(f"Bearer {plaintext}") == api_key


def _database_text() -> str:
    """Every text value in every table of the test database, joined."""
    values: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            values.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(values)


def test_a_key_needs_a_name_and_at_least_one_site(editor, shop) -> None:
    response = client_for(editor).post(ADD, {"name": "", "sites": []})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"name", "sites"}
    assert not ApiKey.objects.exists()


def test_a_site_that_does_not_exist_is_refused(editor, shop) -> None:
    response = client_for(editor).post(ADD, {"name": "BI", "sites": [shop.pk + 999]})

    assert "sites" in response.context["form"].errors
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("role", ["editor", "publisher", "it_admin", "viewer"])
def test_every_role_may_create_keys(request, role: str, shop) -> None:
    user = request.getfixturevalue(role)

    response = client_for(user).post(ADD, {"name": "Mine", "sites": [shop.pk]})

    assert response.status_code == 200
    assert ApiKey.objects.get().user == user


def test_without_the_dashboard_no_keys_are_made(shop) -> None:
    # Admin access and the key permission, but not the right to see analytics.
    user = UserFactory()
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="add_apikey"),
    )
    assert not may_create_keys(user)
    client = client_for(user)

    listing = client.get(INDEX)
    response = client.post(ADD, {"name": "Sneaky", "sites": [shop.pk]})

    assert listing.status_code == 200
    assert ADD not in listing.content.decode()  # no "Add" button
    assert response.status_code == 302  # Wagtail's refusal: back to the dashboard
    assert response["Location"] == reverse("wagtailadmin_home")
    assert not ApiKey.objects.exists()


def test_people_see_and_revoke_only_their_own_keys(editor, publisher, shop) -> None:
    mine = make_key(editor, shop, name="Editor's key").api_key
    theirs = make_key(publisher, shop, name="Publisher's key").api_key
    client = client_for(editor)

    listing = client.get(INDEX).content.decode()
    attempt = client.post(revoke_url(theirs))

    assert "Editor&#x27;s key" in listing
    assert "Publisher" not in listing
    assert revoke_url(mine) in listing
    assert attempt.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_it_sees_and_revokes_everyones_keys(it_admin, editor, publisher, shop) -> None:
    make_key(editor, shop, name="Editor's key")
    theirs = make_key(publisher, shop, name="Publisher's key")
    client = client_for(it_admin)

    listing = client.get(INDEX).content.decode()
    confirm = client.get(revoke_url(theirs.api_key))
    response = client.post(revoke_url(theirs.api_key))

    assert "Editor&#x27;s key" in listing and "Publisher&#x27;s key" in listing
    assert "Owner" in listing
    assert confirm.status_code == 200
    assert "Yes, revoke" in confirm.content.decode()
    assert response.status_code == 302
    assert response["Location"] == INDEX
    theirs.api_key.refresh_from_db()
    assert theirs.api_key.revoked_at is not None
    with pytest.raises(ApiKeyRefusedError, match="revoked"):
        authenticate(f"Bearer {theirs.plaintext}")
    # Recorded as done by IT, on the publisher's key.
    entry = ModelLogEntry.objects.get(action=keys.REVOKED)
    assert (entry.user, entry.object_id) == (it_admin, str(theirs.api_key.pk))
    assert entry.data["owner"] == publisher.username


def test_creating_a_key_is_in_the_audit_log(editor, shop, blog) -> None:
    client_for(editor).post(ADD, {"name": "Looker", "sites": [shop.pk, blog.pk]})

    entry = ModelLogEntry.objects.get(action=keys.CREATED)
    assert entry.user == editor
    assert entry.label == str(ApiKey.objects.get())
    assert entry.data == {"sites": ["blog.example.com", "shop.example.com"]}
    # Wagtail knows the action, so its history views can say what happened.
    assert entry.message == "API key created"


def test_a_revoked_key_is_listed_as_revoked_and_cannot_be_revoked_again(editor, shop) -> None:
    new = make_key(editor, shop)
    client = client_for(editor)
    client.post(revoke_url(new.api_key))

    listing = client.get(INDEX).content.decode()
    again = client.post(revoke_url(new.api_key), follow=True)

    assert "Revoked" in listing
    assert revoke_url(new.api_key) not in listing  # no Revoke button any more
    assert "already revoked" in again.content.decode()
    assert ModelLogEntry.objects.filter(action=keys.REVOKED).count() == 1


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer cg_short",
        "Bearer cg_0123456789ab_" + "A" * 42,  # a character short
    ],
)
def test_malformed_authorization_is_refused(header: str | None) -> None:
    with pytest.raises(ApiKeyRefusedError):
        authenticate(header)


def test_a_wrong_secret_for_a_real_prefix_is_unknown(editor, shop) -> None:
    new = make_key(editor, shop)
    prefix, secret = new.plaintext.split("_", 2)[1:]
    forged = f"cg_{prefix}_{'A' if secret[0] != 'A' else 'B'}{secret[1:]}"

    with pytest.raises(ApiKeyRefusedError, match="unknown"):
        authenticate(f"Bearer {forged}")
    assert authenticate(f"bearer  {new.plaintext} ") == new.api_key


def test_an_inactive_owners_keys_stop_working(editor, shop) -> None:
    new = make_key(editor, shop)
    editor.is_active = False
    editor.save()

    with pytest.raises(ApiKeyRefusedError, match="no longer active"):
        authenticate(f"Bearer {new.plaintext}")


def test_last_used_is_written_at_most_once_a_minute(
    editor, shop, django_assert_num_queries
) -> None:
    api_key = make_key(editor, shop).api_key
    record_use(api_key)
    first = ApiKey.objects.get().last_used_at
    assert first is not None

    with django_assert_num_queries(0):
        record_use(api_key)
    # Another process holding an older reading writes nothing either: the update is conditional.
    stale = ApiKey.objects.get()
    stale.last_used_at = first - timedelta(minutes=5)
    record_use(stale)
    assert ApiKey.objects.get().last_used_at == first

    ApiKey.objects.update(last_used_at=timezone.now() - timedelta(seconds=61))
    record_use(ApiKey.objects.get())
    assert ApiKey.objects.get().last_used_at > first


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_an_editor_creates_uses_and_revokes_a_key_in_a_real_browser(live_url, editor, shop) -> None:
    from playwright.sync_api import sync_playwright

    TrackedSite.objects.create(domain="other.example.com", name="Other")
    username = editor.username
    bad_query = {"site_id": shop.domain, "date_range": "7d", "metrics": ["nope"]}

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        tab = browser.new_page()
        sign_in_to_admin(tab, live_url, username)
        tab.goto(f"{live_url}{INDEX}")
        tab.get_by_role("link", name="Add API key").first.click()
        tab.fill("[name=name]", "Browser key")
        tab.get_by_label("shop.example.com").check()
        with tab.expect_navigation():
            tab.get_by_role("button", name="Create").click()
        plaintext = tab.input_value("#api-key-value")
        # The key is accepted (the query itself is wrong, which needs no event store).
        accepted = _query_live(live_url, plaintext, bad_query)

        tab.goto(f"{live_url}{INDEX}")
        listed = tab.locator("table.listing").inner_text()
        tab.get_by_role("button", name="More options for 'Browser key").click()
        tab.get_by_role("link", name="Revoke").click()
        with tab.expect_navigation():
            tab.get_by_role("button", name="Yes, revoke").click()
        confirmed = tab.locator(".messages").inner_text()
        browser.close()

    assert accepted == (400, "metrics[0]")
    assert plaintext not in listed and "Browser key" in listed
    assert "revoked" in confirmed
    api_key = ApiKey.objects.get()
    assert plaintext.startswith(f"cg_{api_key.prefix}_")
    assert [site.domain for site in api_key.sites.all()] == ["shop.example.com"]
    assert _query_live(live_url, plaintext, bad_query) == (401, "Authorization")


def _query_live(base: str, key: str, body: dict[str, object]) -> tuple[int, str]:
    answer = Browser().request(
        f"{base}/api/v2/query",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    return answer.status, json.loads(answer.text)["field"]
