"""Subscriber CSV import through the admin: ugly files, exact per-row reasons, one confirmation
e-mail per new address, consent for "mark confirmed", resuming after a crash without doing
anything twice, the progress endpoint's permissions and the error report's CSV."""

import csv
import io
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth.models import AbstractUser, Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import include, path, reverse
from django.utils import timezone
from wagtail import log_actions
from wagtail.admin.auth import require_admin_access
from wagtail.log_actions import LogActionRegistry
from wagtail.models import ModelLogEntry
from wagtail.utils.urlpatterns import decorate_urlpatterns

from commonground.config import urls as project_urls
from commonground.distribution.imports import csv_files, selectors, services, tasks
from commonground.distribution.imports import views as admin
from commonground.distribution.imports.models import SubscriberImport, SubscriberImportRow
from commonground.distribution.models import MailingList, Subscriber, Subscription, Suppression
from commonground.distribution.newsletter import subscriptions as newsletter

from ..conftest import client_for

# The views mounted as the register_admin_urls hook mounts them (behind Wagtail's admin
# login), whether or not distribution/wagtail_hooks.py registers them yet.
urlpatterns = [
    path("admin/", include(decorate_urlpatterns(admin.admin_urlpatterns(), require_admin_access))),
    *project_urls.urlpatterns,
]

# Committed for real: the import task and the confirmation e-mails run on commit.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.urls(__name__),
]

Status = SubscriberImport.Status


@pytest.fixture(autouse=True)
def _import_log_actions() -> None:
    # Wagtail refuses log entries with unregistered actions. The register_log_actions hook in
    # distribution/wagtail_hooks.py registers them; until it does, the tests do it here.
    if not log_actions.registry.action_exists(services.IMPORT_STARTED):
        admin.register_import_log_actions(log_actions.registry)


@pytest.fixture
def importer(publisher: AbstractUser) -> AbstractUser:
    """A Marketing Publisher who may import: granted here, so these tests do not depend on
    the roles' grants (a migration's business, tested with it)."""
    publisher.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="distribution",
            codename__in=["add_subscriberimport", "view_subscriberimport"],
        )
    )
    return type(publisher).objects.get(pk=publisher.pk)  # without the cached permissions


@pytest.fixture
def news() -> MailingList:
    return MailingList.objects.create(name="Product news")


def _csrf_client(user: AbstractUser) -> Client:
    return client_for(user, enforce_csrf_checks=True)


def _token(client: Client) -> str:
    answer = client.get(reverse("distribution_imports_new"))
    assert answer.status_code == 200
    return client.cookies["csrftoken"].value


def _upload(
    client: Client,
    news: MailingList,
    content: bytes,
    *,
    name: str = "people.csv",
    mode: str = "double_opt_in",
    record: str = "",
    attested: bool = False,
) -> object:
    data = {
        "csrfmiddlewaretoken": _token(client),
        "file": SimpleUploadedFile(name, content, content_type="text/csv"),
        "mailing_list": str(news.pk),
        "consent_mode": mode,
        "consent_record": record,
    }
    if attested:
        data["consent_attested"] = "on"
    return client.post(reverse("distribution_imports_new"), data)


def _report(subscriber_import: SubscriberImport) -> list[tuple[int, str, str, str]]:
    return [
        (row.row_number, row.value, row.outcome, row.reason)
        for row in SubscriberImportRow.objects.filter(subscriber_import=subscriber_import)
    ]


def _recipients() -> Counter[str]:
    return Counter(address for message in mail.outbox for address in message.to)


def _on_list(news: MailingList, email: str, status: str) -> Subscription:
    subscriber = Subscriber.objects.create(email=email, name="Already here")
    return Subscription.objects.create(subscriber=subscriber, mailing_list=news, status=status)


UGLY = (
    "Email Address;Name\r\n"  # line 1
    "ada@example.com;Ada Lovelace\r\n"  # 2
    "\r\n"  # 3: blank, ignored
    '"grace@example.com";"Hopper; Grace, Rear Admiral"\r\n'  # 4: quoted ; and ,
    "ADA@Example.COM ;Ada again\r\n"  # 5: the same address in other case
    "not-an-address;Nobody\r\n"  # 6
    ";No Address\r\n"  # 7
    "Bounced@example.com;Bounce\r\n"  # 8: suppressed
    "old@example.com;Old Friend\r\n"  # 9: confirmed on the list already
    "waiting@example.com;Waiting\r\n"  # 10: pending on the list already
    "gone@example.com;Gone\r\n"  # 11: unsubscribed from the list
    'zoe@example.com;"Zoë Ångström-Øre, 山田"\r\n'  # 12: unicode
    'two@example.com;"Two\r\nLines"\r\n'  # 13-14: a quoted line break
    "   ;   \r\n"  # 15: only spaces, ignored
    "last@example.com;Last\r\n"  # 16
)


def test_an_ugly_file_imports_with_exact_counts_reasons_and_one_mail_each(
    importer: AbstractUser, news: MailingList, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "BATCH_SIZE", 3)  # several batches, duplicates across them
    Suppression.objects.create(email="bounced@example.com", reason=Suppression.Reason.BOUNCE)
    _on_list(news, "old@example.com", Subscription.Status.CONFIRMED)
    _on_list(news, "waiting@example.com", Subscription.Status.PENDING)
    _on_list(news, "gone@example.com", Subscription.Status.UNSUBSCRIBED)

    client = _csrf_client(importer)
    answer = _upload(client, news, b"\xef\xbb\xbf" + UGLY.encode())

    subscriber_import = SubscriberImport.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("distribution_imports_detail", args=[subscriber_import.pk])
    assert subscriber_import.status == Status.DONE and subscriber_import.finished_at
    assert (subscriber_import.total_rows, subscriber_import.processed_rows) == (12, 12)
    counts = (
        subscriber_import.created_count,
        subscriber_import.updated_count,
        subscriber_import.skipped_count,
        subscriber_import.failed_count,
    )
    assert counts == (5, 0, 5, 2)
    sent = "confirmation e-mail sent"
    assert _report(subscriber_import) == [
        (2, "ada@example.com", "created", sent),
        (4, "grace@example.com", "created", sent),
        (5, "ADA@Example.COM", "skipped", "duplicate of row 2"),
        (6, "not-an-address", "failed", "not an e-mail address"),
        (7, "", "failed", "no e-mail address"),
        (8, "Bounced@example.com", "skipped", "suppressed (hard bounce): nothing is sent to it"),
        (9, "old@example.com", "skipped", "already confirmed on this list"),
        (
            10,
            "waiting@example.com",
            "skipped",
            "already waiting for confirmation (no second e-mail)",
        ),
        (11, "gone@example.com", "skipped", "unsubscribed from this list"),
        (12, "zoe@example.com", "created", sent),
        (13, "two@example.com", "created", sent),
        (16, "last@example.com", "created", sent),
    ]
    new = ["ada@example.com", "grace@example.com", "zoe@example.com", "two@example.com"]
    new.append("last@example.com")
    assert _recipients() == Counter(new)  # exactly one each; none to the skipped
    assert all(message.subject == "Please confirm: Product news" for message in mail.outbox)
    names = dict(Subscriber.objects.values_list("email", "name"))
    assert names["grace@example.com"] == "Hopper; Grace, Rear Admiral"
    assert names["zoe@example.com"] == "Zoë Ångström-Øre, 山田"
    assert names["two@example.com"] == "Two Lines"  # one line: names go into headers
    assert names["old@example.com"] == "Already here"  # existing people are left alone
    statuses = dict(
        Subscription.objects.filter(mailing_list=news).values_list("subscriber__email", "status")
    )
    assert statuses["ada@example.com"] == Subscription.Status.PENDING
    assert statuses["gone@example.com"] == Subscription.Status.UNSUBSCRIBED
    assert "bounced@example.com" not in statuses
    created = SubscriberImportRow.objects.get(subscriber_import=subscriber_import, row_number=2)
    assert created.subscription == Subscription.objects.get(subscriber__email="ada@example.com")

    actions = list(
        ModelLogEntry.objects.filter(object_id=str(subscriber_import.pk))
        .order_by("timestamp", "pk")
        .values_list("action", "user")
    )
    assert actions == [
        (services.IMPORT_STARTED, importer.pk),
        (services.IMPORT_FINISHED, importer.pk),  # the task ran inside the upload request
    ]


@pytest.mark.parametrize(
    ("content", "delimiter", "email_column", "names"),
    [
        (
            b'email,name\n"ada@example.com","Lovelace, Ada"\nbob@example.com,Bob\n',
            ",",
            "email",
            ["Lovelace, Ada", "Bob"],
        ),
        (
            b"E-mail\tFirst Name\tLast Name\r\nada@example.com\tAda\tLovelace\r\n"
            b"bob@example.com\tBob\t\r\n",
            "\t",
            "E-mail",
            ["Ada Lovelace", "Bob"],
        ),
        (
            b"sep=;\r\nEMAIL;Full name\r\nada@example.com;Ada Lovelace\r\nbob@example.com;\r\n",
            ";",
            "EMAIL",
            ["Ada Lovelace", ""],
        ),
        (
            "email;name\nada@example.com;Zoë\nbob@example.com;Bob\n".encode("utf-16"),
            ";",
            "email",
            ["Zoë", "Bob"],
        ),
        (b"email\rada@example.com\rbob@example.com\r", ",", "email", ["", ""]),
    ],
    ids=["comma-quoted", "tab-first-last", "excel-sep-line", "utf-16", "old-mac-cr"],
)
def test_delimiters_headers_and_encodings_are_recognised(
    content: bytes, delimiter: str, email_column: str, names: list[str]
) -> None:
    read = csv_files.read(content)
    assert (read.delimiter, read.email_column) == (delimiter, email_column)
    assert [row.email for row in read.rows] == ["ada@example.com", "bob@example.com"]
    assert [row.name for row in read.rows] == names


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,phone\nAda,123\n", "There is no e-mail column"),
        (b"ada@example.com,Ada\nbob@example.com,Bob\n", "The first row holds an address"),
        ("email,name\nzoe@example.com,Zoë\n".encode("cp1252"), "The file is not UTF-8 text"),
        (b"email,name\n\n\n", "The file has no rows below its header row."),
        (b"", "The submitted file is empty."),
    ],
    ids=["no-email-column", "no-header", "cp1252", "header-only", "empty"],
)
def test_a_file_that_cannot_be_imported_is_a_400_and_imports_nothing(
    importer: AbstractUser, news: MailingList, content: bytes, message: str
) -> None:
    answer = _upload(_csrf_client(importer), news, content)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not SubscriberImport.objects.exists()
    assert not Subscriber.objects.exists()
    assert mail.outbox == []


def test_files_over_the_caps_are_refused(
    importer: AbstractUser, news: MailingList, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _csrf_client(importer)
    header = b"email\n"
    row = b"someone@example.com\n"
    big = header + row * ((csv_files.MAX_FILE_BYTES - len(header)) // len(row) + 1)
    assert len(big) > csv_files.MAX_FILE_BYTES
    answer = _upload(client, news, big)
    assert answer.status_code == 400
    assert "The file is larger than 10 MB" in answer.content.decode()

    monkeypatch.setattr(csv_files, "MAX_ROWS", 3)
    answer = _upload(client, news, header + b"a@example.com\nb@example.com\nc@example.com\n")
    assert answer.status_code == 302  # three rows is the most
    answer = _upload(client, news, header + b"a@x.org\nb@x.org\nc@x.org\nd@x.org\n")
    assert answer.status_code == 400
    assert "more than 3 rows" in answer.content.decode()
    assert SubscriberImport.objects.count() == 1


def test_the_upload_needs_the_csrf_token_and_the_add_permission(
    importer: AbstractUser, viewer: AbstractUser, editor: AbstractUser, news: MailingList
) -> None:
    client = _csrf_client(importer)
    answer = client.post(
        reverse("distribution_imports_new"),
        {
            "file": SimpleUploadedFile("p.csv", b"email\nada@example.com\n"),
            "mailing_list": str(news.pk),
            "consent_mode": "double_opt_in",
        },
    )
    assert answer.status_code == 403  # no CSRF token
    for user in (viewer, editor):
        answer = client_for_admin(user).get(reverse("distribution_imports_new"))
        assert answer.status_code == 302  # Wagtail's "no permission" back to the dashboard
        assert answer["Location"] == reverse("wagtailadmin_home")
    assert not SubscriberImport.objects.exists()


def client_for_admin(user: AbstractUser) -> Client:
    return client_for(user)


def test_marking_confirmed_needs_the_consent_statement_and_sends_nothing(
    importer: AbstractUser, news: MailingList
) -> None:
    client = _csrf_client(importer)
    content = b"email,name\nada@example.com,Ada\nwaiting@example.com,W\n"
    answer = _upload(client, news, content, mode="confirmed")
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "Say where these people&#x27;s consent was recorded." in page
    assert "Tick the box to confirm that everyone in the file opted in." in page
    answer = _upload(client, news, content, mode="confirmed", record="Trade fair sheet")
    assert answer.status_code == 400
    answer = _upload(client, news, content, mode="confirmed", attested=True)
    assert answer.status_code == 400
    assert not SubscriberImport.objects.exists()
    with pytest.raises(services.ImportConsentError):  # the service refuses it too
        services.start_import(
            subscriber_csv=csv_files.read(content),
            file_name="p.csv",
            mailing_list=news,
            consent_mode=SubscriberImport.ConsentMode.CONFIRMED,
            consent_record="Trade fair sheet",
            by=importer,
        )

    pending = _on_list(news, "waiting@example.com", Subscription.Status.PENDING)
    record = "Sign-up sheet at the trade fair, March 2026; scans in the CRM"
    answer = _upload(client, news, content, mode="confirmed", record=record, attested=True)
    assert answer.status_code == 302
    subscriber_import = SubscriberImport.objects.get()
    assert subscriber_import.status == Status.DONE
    assert (subscriber_import.consent_record, subscriber_import.consent_attested) == (record, True)
    assert _report(subscriber_import) == [
        (2, "ada@example.com", "created", "confirmed (consent recorded with this import)"),
        (3, "waiting@example.com", "updated", "was waiting for confirmation; now confirmed"),
    ]
    ada = Subscription.objects.get(subscriber__email="ada@example.com")
    assert ada.status == Subscription.Status.CONFIRMED and ada.confirmed_at is not None
    pending.refresh_from_db()
    assert pending.status == Subscription.Status.CONFIRMED
    assert mail.outbox == []
    started = ModelLogEntry.objects.get(action=services.IMPORT_STARTED)
    assert started.data["consent_mode"] == "confirmed"
    assert started.data["consent_record"] == record


def test_running_the_task_again_or_importing_the_file_again_changes_nothing(
    importer: AbstractUser, news: MailingList
) -> None:
    content = b"email\nada@example.com\nbob@example.com\nada@example.com\n"
    assert _upload(_csrf_client(importer), news, content).status_code == 302
    subscriber_import = SubscriberImport.objects.get()
    before = _report(subscriber_import)
    assert len(mail.outbox) == 2

    assert tasks.import_subscribers.call(subscriber_import.pk) is None  # done: nothing to do
    tasks.import_subscribers.enqueue(subscriber_import.pk)
    subscriber_import.refresh_from_db()
    assert (subscriber_import.created_count, subscriber_import.skipped_count) == (2, 1)
    assert _report(subscriber_import) == before
    assert Subscription.objects.count() == 2 and len(mail.outbox) == 2

    assert _upload(_csrf_client(importer), news, content).status_code == 302
    again = SubscriberImport.objects.exclude(pk=subscriber_import.pk).get()
    assert (again.created_count, again.skipped_count) == (0, 3)
    assert [row[3] for row in _report(again)] == [
        "already waiting for confirmation (no second e-mail)",
        "already waiting for confirmation (no second e-mail)",
        "duplicate of row 2",
    ]
    assert Subscriber.objects.count() == 2 and len(mail.outbox) == 2


def _six() -> bytes:
    return b"email\n" + b"".join(f"p{n}@example.com\n".encode() for n in range(1, 7))


def _flaky_subscribe(monkeypatch: pytest.MonkeyPatch, *, fail_on: int, error: BaseException):
    calls = {"n": 0}
    real = newsletter.subscribe

    def subscribe(**kwargs: object) -> Subscription:
        calls["n"] += 1
        if calls["n"] == fail_on:
            raise error
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(newsletter, "subscribe", subscribe)


def test_a_failed_import_resumes_where_it_stopped_without_sending_twice(
    importer: AbstractUser, news: MailingList, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    # The 4th address breaks the second batch: its 3rd address rolls back with it.
    _flaky_subscribe(monkeypatch, fail_on=4, error=RuntimeError("database went away"))
    client = _csrf_client(importer)
    assert _upload(client, news, _six()).status_code == 302
    subscriber_import = SubscriberImport.objects.get()
    assert subscriber_import.status == Status.FAILED
    assert subscriber_import.error == "RuntimeError: database went away"
    assert subscriber_import.processed_rows == 2
    assert _recipients() == Counter(["p1@example.com", "p2@example.com"])
    assert Subscriber.objects.count() == 2
    assert ModelLogEntry.objects.filter(action=services.IMPORT_FAILED).count() == 1

    detail = client.get(reverse("distribution_imports_detail", args=[subscriber_import.pk]))
    assert "2 of 6 rows were imported before it stopped" in detail.content.decode()
    answer = client.post(
        reverse("distribution_imports_resume", args=[subscriber_import.pk]),
        {"csrfmiddlewaretoken": client.cookies["csrftoken"].value},
    )
    assert answer.status_code == 302
    subscriber_import.refresh_from_db()
    assert subscriber_import.status == Status.DONE and subscriber_import.error == ""
    assert (subscriber_import.processed_rows, subscriber_import.created_count) == (6, 6)
    assert [row[0] for row in _report(subscriber_import)] == [2, 3, 4, 5, 6, 7]
    assert _recipients() == Counter(f"p{n}@example.com" for n in range(1, 7))
    assert Subscription.objects.filter(mailing_list=news).count() == 6
    assert ModelLogEntry.objects.filter(action=services.IMPORT_RESUMED).count() == 1


def test_a_killed_worker_leaves_a_stalled_import_that_resumes_once_it_is_stale(
    importer: AbstractUser, news: MailingList, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    # SystemExit is what a worker told to stop raises: no "failed" is written, as on kill -9.
    _flaky_subscribe(monkeypatch, fail_on=5, error=SystemExit(1))
    client = _csrf_client(importer)
    assert _upload(client, news, _six()).status_code == 302
    subscriber_import = SubscriberImport.objects.get()
    assert (subscriber_import.status, subscriber_import.processed_rows) == (Status.RUNNING, 4)
    assert len(mail.outbox) == 4

    token = client.cookies["csrftoken"].value
    resume = reverse("distribution_imports_resume", args=[subscriber_import.pk])
    client.post(resume, {"csrfmiddlewaretoken": token})
    subscriber_import.refresh_from_db()
    assert subscriber_import.status == Status.RUNNING  # still fresh: perhaps only slow

    SubscriberImport.objects.filter(pk=subscriber_import.pk).update(
        updated_at=timezone.now() - timedelta(minutes=6)
    )
    client.post(resume, {"csrfmiddlewaretoken": token})
    subscriber_import.refresh_from_db()
    assert subscriber_import.status == Status.DONE
    assert (subscriber_import.created_count, subscriber_import.skipped_count) == (6, 0)
    assert _recipients() == Counter(f"p{n}@example.com" for n in range(1, 7))
    assert SubscriberImportRow.objects.count() == 6


def test_the_progress_endpoint_answers_who_may_see_imports_and_refuses_others(
    importer: AbstractUser, viewer: AbstractUser, editor: AbstractUser, news: MailingList
) -> None:
    subscriber_import = services.start_import(
        subscriber_csv=csv_files.read(b"email\nada@example.com\nbob@example.com\n"),
        file_name="p.csv",
        mailing_list=news,
        consent_mode=SubscriberImport.ConsentMode.DOUBLE_OPT_IN,
        by=importer,
    )
    progress = reverse("distribution_imports_progress", args=[subscriber_import.pk])
    owner = client_for_admin(importer)
    answer = owner.get(progress)
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "done",  # the immediate backend ran the task on commit
        "status_label": "done",
        "total": 2,
        "processed": 2,
        "created": 2,
        "updated": 0,
        "skipped": 0,
        "failed": 0,
        "finished": True,
    }
    for user in (viewer, editor):
        refused = client_for_admin(user).get(progress)
        assert refused.status_code == 403
        assert "created" not in refused.json()
        report = reverse("distribution_imports_report", args=[subscriber_import.pk])
        assert client_for_admin(user).get(report).status_code == 302  # to the dashboard
    assert Client().get(progress).status_code == 302  # to the admin login


def test_the_progress_page_polls_while_queued(importer: AbstractUser, news: MailingList) -> None:
    # Made without the service, so no task runs: as the page is before the worker starts.
    subscriber_import = SubscriberImport.objects.create(
        mailing_list=news, file_name="p.csv", source="email\nada@example.com\n", total_rows=1
    )
    detail = reverse("distribution_imports_detail", args=[subscriber_import.pk])
    page = client_for_admin(importer).get(detail).content.decode()
    progress = reverse("distribution_imports_progress", args=[subscriber_import.pk])
    assert f'data-progress-url="{progress}"' in page
    assert 'data-status="queued"' in page
    assert "distribution/imports.js" in page
    section = page.split('<section id="cg-import"', 1)[1].split("</section>", 1)[0]
    assert "<script" not in section and "style=" not in section  # strict CSP
    assert "Rows skipped or failed" not in page  # the report comes once it is done
    answer = client_for_admin(importer).get(progress).json()
    assert (answer["status"], answer["processed"], answer["finished"]) == ("queued", 0, False)


def test_the_error_report_shows_200_rows_and_downloads_all_with_formulas_defused(
    importer: AbstractUser, news: MailingList
) -> None:
    formulas = ['=HYPERLINK("http://evil.example/","x")', "+1234", "-2+3", "@SUM(A1)"]
    rows = [f'"{value.replace(chr(34), chr(34) * 2)}"' for value in formulas]
    rows += [f"nobody-{n}" for n in range(201)]
    content = ("email\n" + "\n".join(rows) + "\n").encode()
    client = _csrf_client(importer)
    assert _upload(client, news, content).status_code == 302
    subscriber_import = SubscriberImport.objects.get()
    assert subscriber_import.failed_count == 205

    page = client.get(reverse("distribution_imports_detail", args=[subscriber_import.pk]))
    text = page.content.decode()
    assert text.count("data-cg-report-row") == 200
    assert "The first 200 of 205." in text
    report_url = reverse("distribution_imports_report", args=[subscriber_import.pk])
    assert f'href="{report_url}"' in text

    answer = client.get(report_url)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert answer["Content-Disposition"] == (
        f'attachment; filename="subscriber-import-{subscriber_import.pk}-report.csv"'
    )
    body = answer.content.decode("utf-8")
    assert body.startswith("\ufeffrow,value,outcome,reason\r\n")
    table = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert len(table) == 1 + 205
    assert table[1:5] == [
        ["2", "'" + formulas[0], "failed", "not an e-mail address"],
        ["3", "'+1234", "failed", "not an e-mail address"],
        ["4", "'-2+3", "failed", "not an e-mail address"],
        ["5", "'@SUM(A1)", "failed", "not an e-mail address"],
    ]
    assert table[5] == ["6", "nobody-0", "failed", "not an e-mail address"]


def test_the_list_of_imports_and_the_menu_item_follow_the_permissions(
    importer: AbstractUser, viewer: AbstractUser, news: MailingList
) -> None:
    assert _upload(_csrf_client(importer), news, b"email\nada@example.com\n").status_code == 302
    page = client_for_admin(importer).get(reverse("distribution_imports_index"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "people.csv" in text and "Product news" in text
    assert reverse("distribution_imports_new") in text

    request = RequestFactory().get("/admin/")
    for user, shown in ((importer, True), (viewer, False)):
        request.user = user
        assert admin.menu_item().is_shown(request) is shown
        assert admin.SubscriberImportViewSet().get_menu_item(order=4).is_shown(request) is shown
    assert admin.menu_item().url == reverse("distribution_imports_index")


def test_the_log_actions_read_as_sentences(importer: AbstractUser, news: MailingList) -> None:
    assert _upload(_csrf_client(importer), news, b"email\nada@example.com\n").status_code == 302
    registry = LogActionRegistry()
    admin.register_import_log_actions(registry)
    started = ModelLogEntry.objects.get(action=services.IMPORT_STARTED)
    finished = ModelLogEntry.objects.get(action=services.IMPORT_FINISHED)
    assert registry.get_formatter(started).format_message(started) == (
        "Started importing 1 rows of “people.csv” into “Product news”: send a confirmation"
        " e-mail to each new address (double opt-in)"
    )
    assert registry.get_formatter(finished).format_message(finished) == (
        "Subscriber import finished: 1 created, 0 updated, 0 skipped, 0 failed"
    )
    assert registry.get_action_label(services.IMPORT_RESUMED) == "Resume subscriber import"


def test_csv_safe_defuses_every_formula_start() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert selectors.csv_safe(f"{start}x") == f"'{start}x"
    assert selectors.csv_safe("ada@example.com") == "ada@example.com"
