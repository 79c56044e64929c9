"""Stats API keys: Wagtail API tokens made with the secret shown once, kept as a digest, listed
and revoked in the admin by their owners and by IT, and checked on every request."""

import io
import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import AbstractUser, Group, Permission
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from wagtail.models import APIToken, ModelLogEntry
from wagtail.models.api import _token_checksum

from commonground.analytics.models import StatsApiKey, TrackedSite
from commonground.analytics.stats_api import keys
from commonground.analytics.stats_api.keys import ApiKeyRefusedError, authenticate, record_use
from commonground.analytics.stats_api.permissions import may_create_keys
from commonground.core import roles

from ..browser import browser_test, launch_chromium
from ..conftest import client_for, sign_in_to_admin
from ..core.factories import UserFactory
from ..live_http import Browser

pytestmark = pytest.mark.django_db

INDEX = reverse("api_keys:index")
ADD = reverse("api_keys:add")
# Wagtail's token format: wagtail_, 27 base62 characters of secret, 6 of checksum.
KEY_ON_PAGE = re.compile(r'id="api-key-value"[^>]*value="(wagtail_[0-9A-Za-z]{33})"')


def revoke_url(token: APIToken) -> str:
    return reverse("api_keys:revoke", args=[token.pk])


@pytest.fixture
def shop(db: None) -> TrackedSite:
    return TrackedSite.objects.create(domain="shop.example.com", name="Shop")


@pytest.fixture
def blog(db: None) -> TrackedSite:
    return TrackedSite.objects.create(domain="blog.example.com", name="Blog")


@pytest.fixture
def editor(db: None) -> AbstractUser:
    """A marketing editor IT has given the permission to create Stats API keys."""
    user = UserFactory(roles=[roles.MARKETING_EDITOR])
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="analytics", codename="add_statsapikey")
    )
    return user


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
    key = StatsApiKey.objects.select_related("token").get()
    token = key.token
    assert (token.user, token.name, list(key.sites.all())) == (editor, "Looker", [shop])
    assert APIToken.validate_token_format(plaintext)
    assert plaintext.startswith(token.prefix)
    assert token.key_hash == APIToken.hash_token(plaintext)
    # Beyond the display prefix the key is in no table: not the token's row, not the audit log.
    secret = plaintext.removeprefix(token.prefix)
    assert len(secret) > 20
    assert secret not in _database_text()
    # Shown once: the list names the key by its prefix only.
    listing = client.get(INDEX).content.decode()
    assert f"{token.prefix}…" in listing
    assert secret not in listing
    # And the key works.
    assert authenticate(f"Bearer {plaintext}") == key


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
    assert not APIToken.objects.exists()


def test_a_site_that_does_not_exist_is_refused(editor, shop) -> None:
    response = client_for(editor).post(ADD, {"name": "BI", "sites": [shop.pk + 999]})

    assert "sites" in response.context["form"].errors
    assert not APIToken.objects.exists()


def test_it_may_create_keys(it_admin, shop) -> None:
    client = client_for(it_admin)
    assert ADD in client.get(INDEX).content.decode()  # the "Add" button
    assert client.get(ADD).status_code == 200

    response = client.post(ADD, {"name": "Mine", "sites": [shop.pk]})

    assert response.status_code == 200
    assert StatsApiKey.objects.get().token.user == it_admin


@pytest.mark.parametrize("role", ["viewer", "publisher", "plain_editor"])
def test_other_roles_are_refused_creating_keys_until_it_grants_it(request, role, shop) -> None:
    user = request.getfixturevalue(role)
    client = client_for(user)

    listing = client.get(INDEX)
    page = client.get(ADD)
    forged = client.post(ADD, {"name": "Sneaky", "sites": [shop.pk]})

    assert listing.status_code == 200
    assert ADD not in listing.content.decode()  # no "Add" button
    for refused in (page, forged):
        assert refused.status_code == 403
        html = refused.content.decode()
        assert "Creating Stats API keys is a permission IT grants" in html
        assert 'name="sites"' not in html, "no form"
    assert not APIToken.objects.exists()
    [entry] = ModelLogEntry.objects.filter(action=keys.CREATE_REFUSED)
    assert (entry.object_id, entry.user_id) == (str(user.pk), user.pk)
    assert "permission IT grants" in entry.data["reason"]
    # Once IT grants the permission, the same person may.
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="analytics", codename="add_statsapikey")
    )
    allowed = client_for(user).post(ADD, {"name": "Granted", "sites": [shop.pk]})
    assert allowed.status_code == 200
    assert StatsApiKey.objects.get().token.user == user


@pytest.fixture
def plain_editor(db: None) -> AbstractUser:
    return UserFactory(roles=[roles.MARKETING_EDITOR])


def test_without_the_dashboard_no_keys_are_made(shop) -> None:
    # Admin access, Wagtail's token permission and the key permission, but not the right to
    # see analytics.
    user = UserFactory()
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="add_apitoken"),
        Permission.objects.get(codename="add_statsapikey"),
    )
    assert not may_create_keys(user)
    client = client_for(user)

    listing = client.get(INDEX)
    response = client.post(ADD, {"name": "Sneaky", "sites": [shop.pk]})

    assert listing.status_code == 200
    assert ADD not in listing.content.decode()  # no "Add" button
    assert response.status_code == 403
    assert "you may not see analytics" in response.content.decode()
    assert not APIToken.objects.exists()


def test_people_see_and_revoke_only_their_own_keys(editor, publisher, shop) -> None:
    mine = make_key(editor, shop, name="Editor's key").token
    theirs = make_key(publisher, shop, name="Publisher's key").token
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
    confirm = client.get(revoke_url(theirs.token))
    response = client.post(revoke_url(theirs.token))

    assert "Editor&#x27;s key" in listing and "Publisher&#x27;s key" in listing
    assert "Owner" in listing
    assert confirm.status_code == 200
    assert "Yes, revoke" in confirm.content.decode()
    assert response.status_code == 302
    assert response["Location"] == INDEX
    theirs.token.refresh_from_db()
    assert theirs.token.revoked_at is not None
    with pytest.raises(ApiKeyRefusedError, match="revoked"):
        authenticate(f"Bearer {theirs.plaintext}")
    # Recorded as done by IT, on the publisher's key.
    entry = ModelLogEntry.objects.get(action=keys.REVOKED)
    assert (entry.user, entry.object_id) == (it_admin, str(theirs.token.pk))
    assert entry.data["owner"] == publisher.username


def test_superusers_manage_everyones_keys_and_only_they_manage_theirs(
    it_admin, editor, shop
) -> None:
    # Wagtail's rule for tokens, as for the users themselves: IT may not edit a superuser.
    root = UserFactory(is_superuser=True)
    roots = make_key(root, shop, name="Root's key").token
    editors = make_key(editor, shop, name="Editor's key").token
    it_client, root_client = client_for(it_admin), client_for(root)

    it_listing = it_client.get(INDEX).content.decode()
    it_attempt = it_client.post(revoke_url(roots))
    root_listing = root_client.get(INDEX).content.decode()
    root_revokes = root_client.post(revoke_url(editors))

    assert "Editor&#x27;s key" in it_listing and "Root&#x27;s key" not in it_listing
    assert it_attempt.status_code == 404
    assert "Editor&#x27;s key" in root_listing and "Root&#x27;s key" in root_listing
    assert root_revokes.status_code == 302
    roots.refresh_from_db()
    editors.refresh_from_db()
    assert (roots.revoked_at, editors.revoked_at is not None) == (None, True)


def test_creating_a_key_is_in_the_audit_log(editor, shop, blog) -> None:
    client_for(editor).post(ADD, {"name": "Looker", "sites": [shop.pk, blog.pk]})

    entry = ModelLogEntry.objects.get(action=keys.CREATED)
    token = APIToken.objects.get()
    assert (entry.user, entry.object_id) == (editor, str(token.pk))
    assert entry.label == str(token)
    assert entry.data == {"sites": ["blog.example.com", "shop.example.com"]}
    # Wagtail's own action for its tokens, so its history views can say what happened.
    assert entry.message == "API token created"


def test_a_revoked_key_is_listed_as_revoked_and_cannot_be_revoked_again(editor, shop) -> None:
    new = make_key(editor, shop)
    client = client_for(editor)
    client.post(revoke_url(new.token))

    listing = client.get(INDEX).content.decode()
    again = client.post(revoke_url(new.token), follow=True)

    assert "Revoked" in listing
    assert revoke_url(new.token) not in listing  # no Revoke button any more
    assert "already revoked" in again.content.decode()
    assert ModelLogEntry.objects.filter(action=keys.REVOKED).count() == 1


WELL_FORMED = "wagtail_" + "A" * 27 + _token_checksum("A" * 27)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer wagtail_short",
        "Bearer " + WELL_FORMED[:-1],  # a character short
        "Bearer " + WELL_FORMED[:-1] + ("B" if WELL_FORMED[-1] != "B" else "C"),  # checksum
        "Bearer " + WELL_FORMED.replace("A", "-", 1),  # not base62
        "Bearer cg_0123456789ab_" + "A" * 43,  # the format of the keys before Wagtail's
    ],
)
def test_malformed_authorization_is_refused_without_a_query(
    header: str | None, django_assert_num_queries
) -> None:
    with django_assert_num_queries(0), pytest.raises(ApiKeyRefusedError):
        authenticate(header)


def test_a_well_formed_unknown_key_is_looked_up_and_refused(db) -> None:
    assert APIToken.validate_token_format(WELL_FORMED)

    with pytest.raises(ApiKeyRefusedError, match="unknown"):
        authenticate(f"Bearer {WELL_FORMED}")


def test_a_wrong_secret_for_a_real_prefix_is_unknown(editor, shop) -> None:
    new = make_key(editor, shop)
    # The same display prefix and a valid checksum: only the stored digest tells them apart.
    secret = new.plaintext.removeprefix("wagtail_")[:27]
    wrong = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    forged = f"wagtail_{wrong}{_token_checksum(wrong)}"
    assert APIToken.validate_token_format(forged)
    assert forged.startswith(new.token.prefix)

    with pytest.raises(ApiKeyRefusedError, match="unknown"):
        authenticate(f"Bearer {forged}")
    assert authenticate(f"bearer  {new.plaintext} ") == new.token.stats_api_key


def test_a_wagtail_token_without_sites_is_not_a_stats_api_key(editor) -> None:
    _token, plaintext = APIToken.create_token(user=editor, name="Some other API")

    with pytest.raises(ApiKeyRefusedError, match="unknown"):
        authenticate(f"Bearer {plaintext}")


def test_keys_survive_a_secret_key_rotation_listed_in_the_fallbacks(settings, editor, shop) -> None:
    new = make_key(editor, shop)
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 50

    settings.SECRET_KEY_FALLBACKS = [old_secret]
    assert authenticate(f"Bearer {new.plaintext}") == new.token.stats_api_key
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(ApiKeyRefusedError, match="unknown"):
        authenticate(f"Bearer {new.plaintext}")


def test_wagtails_api_tokens_command_revokes_a_key(editor, shop) -> None:
    new = make_key(editor, shop)

    call_command("api_tokens", "revoke", "--id", str(new.token.pk), stdout=io.StringIO())

    with pytest.raises(ApiKeyRefusedError, match="revoked"):
        authenticate(f"Bearer {new.plaintext}")


def test_an_inactive_owners_keys_stop_working(editor, shop) -> None:
    new = make_key(editor, shop)
    editor.is_active = False
    editor.save()

    with pytest.raises(ApiKeyRefusedError, match="no longer active"):
        authenticate(f"Bearer {new.plaintext}")


def test_last_used_is_written_at_most_once_a_minute(
    editor, shop, django_assert_num_queries
) -> None:
    token = make_key(editor, shop).token
    record_use(token)
    first = APIToken.objects.get().last_used_at
    assert first is not None

    with django_assert_num_queries(0):
        record_use(token)
    # Another process holding an older reading writes nothing either: the update is conditional.
    stale = APIToken.objects.get()
    stale.last_used_at = first - timedelta(minutes=5)
    record_use(stale)
    assert APIToken.objects.get().last_used_at == first

    APIToken.objects.update(last_used_at=timezone.now() - timedelta(seconds=61))
    record_use(APIToken.objects.get())
    assert APIToken.objects.get().last_used_at > first


def test_last_used_follows_wagtails_interval_setting(settings, editor, shop) -> None:
    token = make_key(editor, shop).token
    settings.WAGTAILAPI_TOKEN_LAST_USED_INTERVAL = None  # never written

    record_use(token)
    assert APIToken.objects.get().last_used_at is None

    settings.WAGTAILAPI_TOKEN_LAST_USED_INTERVAL = 3600
    record_use(token)
    first = APIToken.objects.get().last_used_at
    APIToken.objects.update(last_used_at=first - timedelta(minutes=5))
    record_use(APIToken.objects.get())
    assert APIToken.objects.get().last_used_at == first - timedelta(minutes=5)


@browser_test
def test_an_editor_creates_uses_and_revokes_a_key_in_a_real_browser(live_url, editor, shop) -> None:
    from playwright.sync_api import sync_playwright

    TrackedSite.objects.create(domain="other.example.com", name="Other")
    username = editor.username
    bad_query = {"site_id": shop.domain, "date_range": "7d", "metrics": ["nope"]}

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
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
    key = StatsApiKey.objects.select_related("token").get()
    assert APIToken.validate_token_format(plaintext)
    assert plaintext.startswith(key.token.prefix)
    assert [site.domain for site in key.sites.all()] == ["shop.example.com"]
    assert _query_live(live_url, plaintext, bad_query) == (401, "Authorization")


def _query_live(base: str, key: str, body: dict[str, object]) -> tuple[int, str]:
    answer = Browser().request(
        f"{base}/api/v2/query",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    return answer.status, json.loads(answer.text)["field"]


def test_the_group_editor_offers_wagtails_token_permissions_granted_to_every_role() -> None:
    root = UserFactory(is_superuser=True)
    viewers = Group.objects.get(name=roles.VIEWER)

    page = client_for(root).get(reverse("wagtailusers_groups:edit", args=[viewers.pk]))

    html = page.content.decode()
    for codename in ("add_apitoken", "delete_apitoken"):
        permission = Permission.objects.get(
            content_type__app_label="wagtailcore", codename=codename
        )
        checkbox = re.search(
            rf'<input type="checkbox" name="permissions" value="{permission.pk}"[^>]*>', html
        )
        assert checkbox, f"{codename} is not offered"
        assert " checked " in checkbox[0], f"{codename} is not granted to viewers"


@pytest.mark.parametrize(
    ("role", "granted"), [(roles.IT_ADMINISTRATOR, True), (roles.VIEWER, False)]
)
def test_the_group_editor_offers_the_key_permission_which_it_holds_by_default(
    role: str, granted: bool
) -> None:
    root = UserFactory(is_superuser=True)
    group = Group.objects.get(name=role)

    page = client_for(root).get(reverse("wagtailusers_groups:edit", args=[group.pk]))

    permission = Permission.objects.get(
        content_type__app_label="analytics", codename="add_statsapikey"
    )
    checkbox = re.search(
        rf'<input type="checkbox" name="permissions" value="{permission.pk}"[^>]*>',
        page.content.decode(),
    )
    assert checkbox, "add_statsapikey is not offered"
    assert (" checked " in checkbox[0]) is granted
    assert group.permissions.filter(pk=permission.pk).exists() is granted
