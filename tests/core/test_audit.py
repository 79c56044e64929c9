"""The audit trail: every log entry chained in its own transaction, verification that names the
first altered or missing entry, the ORM's refusals, exports and the IT-only admin report."""

import csv
import datetime
import hashlib
import hmac
import importlib
import io
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import AbstractUser
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import NoReverseMatch, clear_url_caches, reverse
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry, PageLogEntry

from commonground.content.models import Author, HomePage
from commonground.core.audit.backfill import chain_existing_log_entries
from commonground.core.audit.models import AuditEntry, AuditHead, AuditTrailIsAppendOnly
from commonground.core.audit.verification import verify_chain

from ..conftest import client_for


@pytest.fixture
def audit_urls() -> None:
    """Until core's wagtail_hooks.py imports the audit hooks (the lead's one-line wiring),
    import them here and rebuild the admin URLconf if it was loaded without them."""
    importlib.import_module("commonground.core.audit.wagtail_hooks")
    try:
        reverse("commonground_audit_trail")
    except NoReverseMatch:
        import wagtail.admin.urls

        from commonground.config import urls as project_urls

        importlib.reload(wagtail.admin.urls)
        importlib.reload(project_urls)
        clear_url_caches()


def _author(name: str, user: AbstractUser | None = None) -> Author:
    author = Author.objects.create(name=name)
    log(author, "wagtail.create", user=user)
    return author


def _verify() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def _raw(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def three_entries(db: None, editor: AbstractUser) -> list[AuditEntry]:
    start = AuditHead.objects.get(pk=1).sequence if AuditHead.objects.exists() else 0
    for name in ("Ada", "Grace", "Linus"):
        _author(name, editor)
    entries = list(AuditEntry.objects.filter(sequence__gt=start).order_by("sequence"))
    assert len(entries) == 3
    return entries


# Writing ------------------------------------------------------------------------------------


def test_publishing_a_page_writes_one_chained_entry_per_log_entry(
    home: HomePage, publisher: AbstractUser
) -> None:
    before = PageLogEntry.objects.count()
    home.title = "Welcome back"
    home.save_revision(user=publisher, log_action=True).publish(user=publisher)

    new_logs = list(PageLogEntry.objects.order_by("pk")[before:])
    assert {entry.action for entry in new_logs} >= {"wagtail.edit", "wagtail.publish"}
    chained = AuditEntry.objects.filter(source="page", source_id__in=[e.pk for e in new_logs])
    assert chained.count() == len(new_logs)
    publish = chained.get(action="wagtail.publish")
    assert publish.actor == publisher.username
    assert publish.actor_id == str(publisher.pk)
    assert publish.object_id == str(home.pk)
    assert publish.object_title == "Welcome back"
    assert publish.object_type == "content.homepage"
    previous = AuditEntry.objects.get(sequence=publish.sequence - 1)
    assert publish.previous_hash == previous.hash
    assert AuditHead.objects.get(pk=1).hash == AuditEntry.objects.order_by("-sequence")[0].hash


def test_a_model_created_through_a_wagtail_generic_view_is_in_the_trail(
    it_admin: AbstractUser,
) -> None:
    # The newsletter lists' ModelViewSet: Wagtail's generic CreateView logs wagtail.create.
    response = client_for(it_admin).post(
        reverse("newsletter_lists:add"),
        {"name": "Audit weekly", "description": "", "from_email": "news@example.com"},
    )
    assert response.status_code == 302, response.content[:2000]
    log_entry = ModelLogEntry.objects.get(label="Audit weekly", action="wagtail.create")
    entry = AuditEntry.objects.get(source="model", source_id=log_entry.pk)
    assert (entry.action, entry.actor, entry.object_type, entry.object_id) == (
        "wagtail.create",
        it_admin.username,
        "distribution.mailinglist",
        log_entry.object_id,
    )
    assert AuditEntry.objects.filter(source="model", source_id=log_entry.pk).count() == 1


def test_the_entry_is_written_in_the_log_entrys_transaction(editor: AbstractUser) -> None:
    before = AuditEntry.objects.count(), ModelLogEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        _author("Rolled back", editor)
        # Inside the transaction, the entry is there already...
        assert AuditEntry.objects.filter(object_title="Rolled back").exists()
        raise RuntimeError("the action fails after logging")
    # ...and it went with the rollback, as did the log entry.
    assert (AuditEntry.objects.count(), ModelLogEntry.objects.count()) == before
    assert _verify()[0] == 0


def test_a_deleted_users_entries_keep_their_username(editor: AbstractUser) -> None:
    _author("Kept", editor)
    username = editor.username
    editor.delete()
    entry = AuditEntry.objects.get(object_title="Kept")
    assert entry.actor == username
    assert _verify()[0] == 0


def test_the_hash_follows_the_documented_format(editor: AbstractUser, settings: Any) -> None:
    settings.AUDIT_KEY = "an-audit-key-for-this-test-only-0123456789"
    author = Author.objects.create(name="Ünïcode ☃")
    log(author, "wagtail.create", user=editor, data={"b": [1, 2.5], "a": "x"})
    entry = AuditEntry.objects.get(object_title="Ünïcode ☃")
    # An independent re-implementation of chain.py's docstring, as an auditor would write it.
    key = b"an-audit-key-for-this-test-only-0123456789"
    key_id = hashlib.sha256(b"commonground.audit.key-id\x00" + key).hexdigest()[:16]
    data = json.loads(entry.data)
    payload = {
        "v": 2,
        "key_id": key_id,
        "sequence": entry.sequence,
        "source": "model",
        "source_id": entry.source_id,
        "timestamp": entry.timestamp.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": str(editor.pk),
        "actor": editor.username,
        "action": "wagtail.create",
        "object_type": "content.author",
        "object_id": str(author.pk),
        "object_title": "Ünïcode ☃",
        "data": data,
        "previous_hash": entry.previous_hash,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    assert entry.key_id == key_id
    assert entry.hash == hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
    assert (data["a"], data["b"]) == ("x", [1, 2.5])
    assert entry.data == json.dumps(data, sort_keys=True, separators=(",", ":"))


# Verifying ----------------------------------------------------------------------------------


def test_verify_passes_on_an_intact_trail(three_entries: list[AuditEntry]) -> None:
    code, out, err = _verify()
    head = AuditHead.objects.get(pk=1)
    assert code == 0, err
    total = AuditEntry.objects.count()
    assert (
        out.splitlines()[0]
        == f"{total} entries, chain intact up to #{head.sequence}, head {head.hash[:12]}"
    )


def test_verify_names_an_entry_altered_with_raw_sql(three_entries: list[AuditEntry]) -> None:
    middle = three_entries[1]
    _raw(
        "UPDATE core_auditentry SET data = %s WHERE sequence = %s",
        ['{"forged":true}', middle.sequence],
    )
    code, _, err = _verify()
    assert code == 1
    assert f"entry #{middle.sequence} was altered: its hash does not match its content" in err


def test_verify_names_an_altered_entry_whose_hash_was_recomputed(
    three_entries: list[AuditEntry],
) -> None:
    middle = three_entries[1]
    forged = middle.content().__class__(**{**middle.content().__dict__, "actor": "mallory"})
    # The attacker has the database, not the key: a guessed key gives a different HMAC.
    _raw(
        "UPDATE core_auditentry SET actor = %s, hash = %s WHERE sequence = %s",
        ["mallory", forged.hash(middle.previous_hash, b"guessed"), middle.sequence],
    )
    code, _, err = _verify()
    assert code == 1
    assert f"entry #{middle.sequence} was altered: its hash does not match its content" in err


def test_verify_names_a_deleted_middle_entry(three_entries: list[AuditEntry]) -> None:
    first, middle, last = three_entries
    _raw("DELETE FROM core_auditentry WHERE sequence = %s", [middle.sequence])
    code, _, err = _verify()
    assert code == 1
    assert (
        f"entry #{middle.sequence} is missing: sequence jumps from #{first.sequence} "
        f"to #{last.sequence}" in err
    )


def test_verify_detects_a_deleted_last_entry_through_the_head(
    three_entries: list[AuditEntry],
) -> None:
    last = three_entries[2]
    _raw("DELETE FROM core_auditentry WHERE sequence = %s", [last.sequence])
    report = verify_chain()
    assert not report.intact
    assert report.first_bad_sequence == last.sequence
    assert report.problem == (
        f"entry #{last.sequence} is missing: the chain head is #{last.sequence}, "
        f"the last entry is #{last.sequence - 1}"
    )
    assert _verify()[0] == 1


def test_verify_reports_log_entries_that_bypassed_the_trail(
    three_entries: list[AuditEntry],
) -> None:
    author = Author.objects.get(name="Ada")
    ModelLogEntry.objects.bulk_create(  # bulk_create sends no post_save
        [
            ModelLogEntry(
                content_type_id=_author_type_id(),
                object_id=str(author.pk),
                label="sneaky",
                action="wagtail.edit",
                timestamp=timezone.now(),
            )
        ]
    )
    code, _, err = _verify()
    assert code == 1
    assert "1 model log entry not in the audit trail" in err


def _author_type_id() -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Author).pk


def test_the_orm_refuses_to_change_or_delete_entries(three_entries: list[AuditEntry]) -> None:
    entry = three_entries[0]
    entry.action = "wagtail.forged"
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.filter(sequence=entry.sequence).update(action="wagtail.forged")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.all().delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.bulk_create([AuditEntry(sequence=10**9)])
    assert _verify()[0] == 0


# The migration's chaining of older log entries ----------------------------------------------


def test_chaining_existing_log_entries_appends_them_in_time_order(
    home: HomePage, editor: AbstractUser
) -> None:
    author = Author.objects.create(name="Old")
    now = timezone.now()
    PageLogEntry.objects.bulk_create(
        [
            PageLogEntry(
                page=home,
                content_type_id=home.content_type_id,
                label="Home",
                action="wagtail.publish",
                timestamp=now - datetime.timedelta(days=2),
                user=editor,
            )
        ]
    )
    ModelLogEntry.objects.bulk_create(
        [
            ModelLogEntry(
                content_type_id=_author_type_id(),
                object_id=str(author.pk),
                label="Old",
                action="wagtail.create",
                timestamp=now - datetime.timedelta(days=3),
                data={"when": "before the trail"},
            )
        ]
    )
    assert _verify()[0] == 1
    head = AuditHead.objects.get(pk=1).sequence

    assert chain_existing_log_entries(django_apps) == 2
    assert chain_existing_log_entries(django_apps) == 0  # already chained: nothing twice

    model_entry, page_entry = AuditEntry.objects.filter(sequence__gt=head).order_by("sequence")
    assert (model_entry.action, model_entry.actor, model_entry.data) == (
        "wagtail.create",
        "system",
        '{"when":"before the trail"}',
    )
    assert (page_entry.action, page_entry.actor, page_entry.object_id) == (
        "wagtail.publish",
        editor.username,
        str(home.pk),
    )
    code, _, err = _verify()
    assert code == 0, err
    # New entries carry on the same chain.
    _author("After", editor)
    assert _verify()[0] == 0


# Concurrency ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_do_not_fork_the_chain() -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def write(worker: int) -> None:
        try:
            barrier.wait()
            for n in range(10):
                with transaction.atomic():
                    _author(f"w{worker}-{n}")
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert AuditEntry.objects.filter(object_title__startswith="w").count() == 40
    report = verify_chain()
    assert report.intact, report.problem


# Exports -------------------------------------------------------------------------------------


def _formula_entry(editor: AbstractUser) -> None:
    _author('=HYPERLINK("http://evil.example","x")', editor)


def test_export_csv_escapes_formulas_and_jsonl_keeps_values(editor: AbstractUser) -> None:
    _formula_entry(editor)
    _author("+1 and @me", editor)
    out = io.StringIO()
    call_command("audit", "export", "--format", "csv", stdout=out, stderr=io.StringIO())
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    titles = {row["object_title"] for row in rows}
    assert '\'=HYPERLINK("http://evil.example","x")' in titles
    assert "'+1 and @me" in titles
    assert [int(row["sequence"]) for row in rows] == sorted(int(row["sequence"]) for row in rows)

    out = io.StringIO()
    call_command("audit", "export", "--format", "jsonl", stdout=out, stderr=io.StringIO())
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert '=HYPERLINK("http://evil.example","x")' in {r["object_title"] for r in records}
    assert all(isinstance(r["data"], dict) for r in records)


def test_export_since_leaves_out_older_entries(editor: AbstractUser) -> None:
    _author("Today", editor)
    tomorrow = (timezone.now() + datetime.timedelta(days=1)).date().isoformat()
    today = timezone.now().astimezone(datetime.UTC).date().isoformat()
    out = io.StringIO()
    call_command("audit", "export", "--format", "jsonl", "--since", tomorrow, stdout=out)
    assert out.getvalue() == ""
    out = io.StringIO()
    call_command("audit", "export", "--format", "jsonl", "--since", today, stdout=out)
    assert "Today" in {json.loads(line)["object_title"] for line in out.getvalue().splitlines()}


# The admin report ----------------------------------------------------------------------------


@pytest.fixture
def trail(audit_urls: None, editor: AbstractUser, publisher: AbstractUser) -> Iterator[None]:
    _author("Alpha author", editor)
    _author("Beta author", publisher)
    yield


def _rows(client: Client, **params: str) -> str:
    response = client.get(reverse("commonground_audit_trail"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_it_administrators_see_the_trail_with_search_and_filters(
    trail: None, it_admin: AbstractUser, editor: AbstractUser, publisher: AbstractUser
) -> None:
    client = client_for(it_admin)
    page = _rows(client)
    assert 'data-audit-chain="intact"' in page
    assert "Alpha author" in page and "Beta author" in page
    # Newest first.
    assert page.index("Beta author") < page.index("Alpha author")

    assert "Beta author" not in _rows(client, q="alpha")
    assert "Alpha author" not in _rows(client, q=publisher.username)
    assert "Beta author" not in _rows(client, actor=editor.username)
    assert "Alpha author" in _rows(client, action="wagtail.create", object_type="content.author")
    future = (timezone.now() + datetime.timedelta(days=2)).date().isoformat()
    two_days_ago = (timezone.now() - datetime.timedelta(days=2)).date().isoformat()
    assert "Alpha author" not in _rows(client, timestamp_from=future)
    assert "Alpha author" not in _rows(client, timestamp_to=two_days_ago)
    assert "Alpha author" in _rows(client, timestamp_from=two_days_ago, timestamp_to=future)


def test_the_report_shows_a_broken_chain(trail: None, it_admin: AbstractUser) -> None:
    entry = AuditEntry.objects.get(object_title="Alpha author")
    _raw("UPDATE core_auditentry SET actor = %s WHERE sequence = %s", ["mallory", entry.sequence])
    page = _rows(client_for(it_admin))
    assert 'data-audit-chain="broken"' in page
    assert f"entry #{entry.sequence} was altered" in page


def test_the_reports_csv_export_is_filtered_and_formula_safe(
    trail: None, it_admin: AbstractUser, editor: AbstractUser
) -> None:
    _formula_entry(editor)
    response = client_for(it_admin).get(
        reverse("commonground_audit_trail"), {"actor": editor.username, "export": "csv"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {row["actor"] for row in rows} == {editor.username}
    assert {row["object_title"] for row in rows} == {
        "Alpha author",
        '\'=HYPERLINK("http://evil.example","x")',
    }


@pytest.mark.parametrize("role", ["viewer", "editor", "publisher"])
def test_other_roles_cannot_open_the_trail(
    trail: None, role: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(role)
    client = client_for(user)
    for params in ({}, {"export": "csv"}):
        response = client.get(reverse("commonground_audit_trail"), params)
        assert response.status_code in (302, 403)
        assert b"Alpha author" not in response.content
    assert client.get(reverse("commonground_audit_trail_results")).status_code in (302, 403)


def test_the_permission_is_granted_to_it_administrators_only(
    it_admin: AbstractUser, editor: AbstractUser, publisher: AbstractUser, viewer: AbstractUser
) -> None:
    assert it_admin.has_perm("core.view_audit_trail")
    assert not any(u.has_perm("core.view_audit_trail") for u in (editor, publisher, viewer))
