"""Audit entries say what changed (issue 14, point 5): each of the issue's examples, done as
IT does it (the admin's views, `commonground createsuperuser`), records the changed fields
with their before and after values, secrets masked; every entry is also a JSON line on the
`commonground.audit` log stream."""

import io
import json
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from wagtail.log_actions import LogContext, log
from wagtail.models import Site

from commonground.core import roles
from commonground.core.audit.changes import MASK
from commonground.core.audit.log_stream import AuditJsonFormatter
from commonground.core.audit.models import AuditEntry
from commonground.core.mail.email_digest import email_digest
from commonground.governance.models import SecuritySettings, SiteTag, Technology

from ..conftest import client_for
from ..governance.factories import registered_technology
from ..processes import REPO_ROOT, commonground, subprocess_env

pytestmark = pytest.mark.django_db


def _changes(entry: AuditEntry) -> dict[str, Any]:
    changes: dict[str, Any] = json.loads(entry.data).get("changes", {})
    return changes


def _latest(action: str, **filters: Any) -> AuditEntry:
    return AuditEntry.objects.filter(action=action, **filters).order_by("-sequence")[0]


def test_widening_an_approved_entrys_script_hosts_shows_the_hosts_before_and_after(
    it_admin: Any,
) -> None:
    technology = registered_technology(
        it_admin, name="Chat Widget", hosts={"script-src": ["widget.chatty.example"]}
    )
    response = client_for(it_admin).post(
        reverse("governance_registry:edit", args=[technology.pk]),
        {
            "name": "Chat Widget",
            "vendor": "Chat Widget Ltd",
            "category": "other",
            "owner": "",
            "business_purpose": "",
            "annual_cost": "",
            "contract_renewal": "",
            "data_category": "none",
            "data_location": "eu_eea",
            "status": "approved",
            "consent_purpose": "necessary",
            "hosts_script": "widget.chatty.example\n*.evil-cdn.example",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    entry = AuditEntry.objects.filter(
        object_type="governance.technology", object_id=str(technology.pk)
    ).order_by("-sequence")[0]
    hosts = _changes(entry)["hosts"]
    assert hosts == {
        "before": ["script: widget.chatty.example"],
        "after": ["script: *.evil-cdn.example", "script: widget.chatty.example"],
    }
    assert entry.actor == it_admin.username


def test_switching_csp_to_report_only_shows_the_mode_before_and_after(
    home: Any, it_admin: Any
) -> None:
    site = Site.objects.get(is_default_site=True)
    SecuritySettings.for_site(site)  # the row exists, enforcing
    url = reverse("wagtailsettings:edit", args=["governance", "securitysettings", site.pk])
    reason = "Testing a new chat vendor's script for a day"
    response = client_for(it_admin).post(
        url, {"csp_mode": "report-only", "csp_mode_reason": reason}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    # The switch's own entry (governance.csp_mode.change, logged first in the save's
    # transaction) carries the changed fields; Wagtail's wagtail.edit follows it.
    entry = _latest("governance.csp_mode.change", object_type="governance.securitysettings")
    changes = _changes(entry)
    assert changes["csp_mode"] == {"before": "enforcing", "after": "report-only"}
    assert changes["csp_mode_reason"] == {"before": "", "after": reason}
    assert entry.actor == it_admin.username


def test_promoting_a_user_to_it_administrator_shows_the_groups_before_and_after(
    it_admin: Any, editor: Any
) -> None:
    it_group = Group.objects.get(name=roles.IT_ADMINISTRATOR)
    editor_group = Group.objects.get(name=roles.MARKETING_EDITOR)
    response = client_for(it_admin).post(
        reverse("wagtailusers_users:edit", args=[editor.pk]),
        {
            "username": editor.username,
            "email": editor.email or f"{editor.username}@example.com",
            "first_name": "Promoted",
            "last_name": "Person",
            "password1": "",
            "password2": "",
            "is_active": "on",
            "groups": [editor_group.pk, it_group.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = _latest("wagtail.edit", object_type="auth.user", object_id=str(editor.pk))
    changes = _changes(entry)
    assert changes["groups"] == {
        "before": [roles.MARKETING_EDITOR],
        "after": sorted([roles.IT_ADMINISTRATOR, roles.MARKETING_EDITOR]),
    }
    # A person's name is personal data the trail could never erase: only "changed".
    assert changes["first_name"] == {"before": MASK, "after": MASK, "changed": True}
    assert "Promoted" not in entry.data
    assert "password" not in changes  # not changed, so not there
    # The membership change is its own entry too, whichever code path made it.
    event = _latest("core.auth.groups_changed", object_id=str(editor.pk))
    assert json.loads(event.data)["added"] == [roles.IT_ADMINISTRATOR]
    assert event.actor == it_admin.username


def test_a_superuser_created_with_createsuperuser_shows_its_fields_and_no_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-and-secret-password-42")
    call_command(
        "createsuperuser",
        "--noinput",
        "--username",
        "root2",
        "--email",
        "root2@example.com",
        stdout=io.StringIO(),
    )
    user = get_user_model().objects.get(username="root2")
    entry = _latest("wagtail.create", object_type="auth.user", object_id=str(user.pk))
    changes = _changes(entry)
    assert changes["is_superuser"] == {"before": None, "after": True}
    assert changes["is_staff"] == {"before": None, "after": True}
    # The address as its keyed digest (what a data-subject search looks for), never itself.
    assert changes["email"]["after"] == f"digest:{email_digest('root2@example.com')}"
    assert "root2@example.com" not in entry.data
    assert changes["password"] == {"before": None, "after": MASK, "changed": True}
    assert json.loads(entry.data)["via"] == "createsuperuser"
    assert "a-long-and-secret-password-42" not in entry.data
    assert user.password not in entry.data  # nor its hash


def test_changing_a_groups_permissions_shows_them_before_and_after(it_admin: Any) -> None:
    group = Group.objects.get(name=roles.VIEWER)
    before = sorted(str(p) for p in group.permissions.all())
    permission = Permission.objects.get(codename="add_user")
    with LogContext(user=it_admin), transaction.atomic():
        group.save()
        group.permissions.add(permission)
        log(group, "wagtail.edit", user=it_admin)
    entry = _latest("wagtail.edit", object_type="auth.group", object_id=str(group.pk))
    assert _changes(entry)["permissions"] == {
        "before": before,
        "after": sorted([*before, str(permission)]),
    }
    event = _latest("core.auth.permissions_changed", object_id=str(group.pk))
    data = json.loads(event.data)
    assert (data["field"], data["added"], data["removed"]) == (
        "permissions",
        [str(permission)],
        [],
    )
    assert event.actor == it_admin.username


def test_creating_a_site_tag_shows_its_fields(it_admin: Any) -> None:
    registered_technology(it_admin, name="Ads", hosts={"script-src": ["snap.ads.example"]})
    response = client_for(it_admin).post(
        reverse("governance_site_tags:add"),
        {
            "name": "Insight tag",
            "script_url": "https://snap.ads.example/insight.js",
            "placement": "head",
            "load_async": "on",
            "site": "",
            "enabled": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    tag = SiteTag.objects.get(name="Insight tag")
    entry = _latest("wagtail.create", object_type="governance.sitetag", object_id=str(tag.pk))
    changes = _changes(entry)
    assert changes["script_url"] == {
        "before": None,
        "after": "https://snap.ads.example/insight.js",
    }
    assert changes["placement"] == {"before": None, "after": "head"}
    assert changes["enabled"] == {"before": None, "after": True}


def test_secret_fields_are_masked_whatever_the_model(it_admin: Any) -> None:
    # A password change through the admin: changed, and masked on both sides.
    user = get_user_model().objects.get(pk=it_admin.pk)
    with transaction.atomic():
        user.save()  # the picture before
        user.set_password("another-long-password-77")
        user.save()
        log(user, "wagtail.edit", user=it_admin)
    entry = _latest("wagtail.edit", object_type="auth.user", object_id=str(user.pk))
    assert _changes(entry)["password"] == {"before": MASK, "after": MASK, "changed": True}
    assert user.password not in entry.data


def test_an_unchanged_save_records_no_changes(it_admin: Any) -> None:
    technology = registered_technology(it_admin, name="Same", hosts={})
    with transaction.atomic():
        Technology.objects.get(pk=technology.pk).save()
        log(technology, "wagtail.edit", user=it_admin)
    entry = _latest("wagtail.edit", object_type="governance.technology")
    assert "changes" not in json.loads(entry.data)


# The log stream ------------------------------------------------------------------------------


@pytest.fixture
def audit_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(AuditJsonFormatter())
    audit_logger = logging.getLogger("commonground.audit")
    audit_logger.addHandler(handler)
    try:
        yield stream
    finally:
        audit_logger.removeHandler(handler)


def test_each_committed_entry_is_one_json_line_on_the_log_stream(
    it_admin: Any, audit_lines: io.StringIO, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        technology = registered_technology(it_admin, name="Logged", hosts={})
    [line] = [json.loads(text) for text in audit_lines.getvalue().splitlines()]
    entry = AuditEntry.objects.get(sequence=line["audit"]["sequence"])
    assert line["logger"] == "commonground.audit"
    assert line["audit"]["action"] == entry.action
    assert line["audit"]["object_id"] == str(technology.pk)
    assert line["audit"]["hash"] == entry.hash
    assert line["audit"]["data"] == json.loads(entry.data)

    # A rolled-back change never reaches the stream.
    with (
        pytest.raises(RuntimeError),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        registered_technology(it_admin, name="Rolled back", hosts={})
        raise RuntimeError
    assert "Rolled back" not in audit_lines.getvalue()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_server_writes_the_json_lines_where_logging_says(tmp_path: Path) -> None:
    # The real LOGGING of another `commonground` process: AUDIT_LOG_FILE gets the line.
    log_file = tmp_path / "audit.log"
    done = subprocess.run(
        commonground("createsuperuser", "--noinput", "--username", "root3", "--email", "r@x.io"),
        env=subprocess_env(
            AUDIT_LOG_FILE=str(log_file), DJANGO_SUPERUSER_PASSWORD="yet-another-long-one-99"
        ),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    [line] = [json.loads(text) for text in log_file.read_text().splitlines()]
    assert line["audit"]["action"] == "wagtail.create"
    assert line["audit"]["object_title"] == "root3"
    assert line["audit"]["data"]["changes"]["is_superuser"]["after"] is True
    assert "yet-another-long-one-99" not in log_file.read_text()
