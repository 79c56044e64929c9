"""Data-subject requests through the admin: find, export and erase everything held about one
address in every module, audited without the address, refused to everyone but IT."""

import json
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.contrib.forms.models import FormSubmission
from wagtail.models import Comment, CommentReply, ModelLogEntry

from commonground.core import roles
from commonground.core.audit.models import AuditEntry
from commonground.distribution.imports.models import SubscriberImport, SubscriberImportRow
from commonground.distribution.models import (
    Delivery,
    MailingList,
    Subscriber,
    Subscription,
    Suppression,
)
from commonground.distribution.newsletter import selectors as newsletter
from commonground.governance.models import DataSubjectRequest, RequestComment, TechnologyRequest
from commonground.governance.privacy import data_subjects, registry
from commonground.governance.registry import services

from ...conftest import client_for
from ...content.factories import LandingPageFactory
from ...core.factories import UserFactory
from ..factories import newsletter_dispatch, submitted_request

JANE = "jane.doe@example.com"
OTHER = "other.person@example.com"


def _person_rows(
    address: str, *, tool: str, home: Any, lists: list[MailingList], dispatch: Any
) -> Any:
    """Rows tied to ``address`` in every module; returns the admin user with that address."""
    subscriber = Subscriber.objects.create(email=address, name="Someone")
    for n, mailing_list in enumerate(lists):
        subscription = Subscription.objects.create(
            subscriber=subscriber, mailing_list=mailing_list, status="confirmed"
        )
        Delivery.objects.create(
            dispatch=dispatch,
            recipient=address,
            subscription=subscription,
            idempotency_key=f"{address}:{n}",
            status="sent",
        )
    Suppression.objects.create(email=address, reason="complaint", detail=f"complaint by {address}")
    mailing_list = lists[0]
    subscriber_import = SubscriberImport.objects.create(
        mailing_list=mailing_list,
        file_name="list.csv",
        source=f"email\n{address.upper()}\n",
        status="done",
        finished_at=timezone.now(),
    )
    SubscriberImportRow.objects.create(
        subscriber_import=subscriber_import,
        row_number=2,
        value=f" {address.upper()} ",
        outcome="created",
    )
    page = LandingPageFactory(parent=home)
    FormSubmission.objects.create(page=page, form_data={"email": address, "name": "Someone"})
    FormSubmission.objects.create(
        page=page, form_data={"email": address.upper(), "interests": ["a", "b"]}
    )
    user = UserFactory(email=address.title(), roles=[roles.MARKETING_EDITOR])
    comment = Comment.objects.create(page=home, user=user, text="Typo here", contentpath="title")
    CommentReply.objects.create(comment=comment, user=user, text="Fixed it myself")
    request = submitted_request(user, name=tool)
    services.add_comment(user=user, request=request, body="Any news?")
    return user


def _counts(address: str) -> dict[str, int]:
    users = get_user_model().objects.filter(email__iexact=address)
    return {
        "subscribers": Subscriber.objects.filter(email__iexact=address).count(),
        "subscriptions": Subscription.objects.filter(subscriber__email__iexact=address).count(),
        "deliveries": Delivery.objects.filter(recipient__iexact=address).count(),
        "suppressions": Suppression.objects.filter(email__iexact=address).count(),
        "import_rows": SubscriberImportRow.objects.filter(value__icontains=address).count(),
        "import_files": SubscriberImport.objects.filter(source__icontains=address).count(),
        "form_submissions": FormSubmission.objects.filter(form_data__icontains=address).count(),
        "comments": Comment.objects.filter(user__in=users).count(),
        "comment_replies": CommentReply.objects.filter(user__in=users).count(),
        "requests": TechnologyRequest.objects.filter(requester__in=users).count(),
        "request_comments": RequestComment.objects.filter(author__in=users).count(),
    }


@pytest.fixture
def people(home: Any) -> dict[str, Any]:
    lists = [MailingList.objects.create(name="News"), MailingList.objects.create(name="Events")]
    dispatch = newsletter_dispatch(home, lists[0], number=1, status="done")
    jane = _person_rows(JANE, tool="Heatmaps", home=home, lists=lists, dispatch=dispatch)
    other = _person_rows(OTHER, tool="Chatbot", home=home, lists=lists, dispatch=dispatch)
    # The other person's reply in Jane's thread, and a message that only mentions her.
    CommentReply.objects.create(
        comment=Comment.objects.get(user=jane), user=other, text="Thanks, Jane"
    )
    FormSubmission.objects.create(
        page=FormSubmission.objects.first().page,  # type: ignore[union-attr]
        form_data={"email": OTHER, "message": f"Ask {JANE} too"},
    )
    return {"jane": jane, "other": other}


def case_erased_threads(people: dict[str, Any]) -> int:
    return CommentReply.objects.filter(comment__user=people["jane"]).count()


def _find(client: Client, address: str) -> DataSubjectRequest:
    response = client.post(reverse("governance_data_subjects"), {"address": address})
    assert response.status_code == 200, response.content
    return DataSubjectRequest.objects.latest("pk")


def _audit_text() -> str:
    return json.dumps([e.content() for e in AuditEntry.objects.all()], default=str).lower()


@pytest.mark.django_db
def test_erasure_removes_every_row_tied_to_the_address_and_is_audited(
    people: dict[str, Any], it_admin: Any
) -> None:
    before, other_before = _counts(JANE), _counts(OTHER)
    assert before == {
        "subscribers": 1,
        "subscriptions": 2,
        "deliveries": 2,
        "suppressions": 1,
        "import_rows": 1,
        "import_files": 1,
        "form_submissions": 3,  # two of hers, and the other person's message naming her
        "comments": 1,
        "comment_replies": 1,
        "requests": 1,
        "request_comments": 1,
    }
    client = client_for(it_admin)
    page = client.post(reverse("governance_data_subjects"), {"address": "  Jane.Doe@EXAMPLE.com "})
    text = page.content.decode()
    assert 'data-records="form_submissions" data-count="2"' in text
    assert 'data-records="subscriptions" data-count="2"' in text
    assert 'data-records="accounts" data-count="1"' in text
    case = DataSubjectRequest.objects.get()

    response = client.post(
        reverse("governance_data_subject_erase"),
        {"address": JANE, "request": case.pk, "confirmation": "JANE.DOE@example.com"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("governance_data_subject", args=[case.pk])

    after = _counts(JANE)
    # The other person's message that mentions her is theirs, and stays.
    assert after == {**dict.fromkeys(before, 0), "form_submissions": 1}
    # Only the other person's reply in her thread went, with the thread.
    assert other_before["comment_replies"] == 2
    assert _counts(OTHER) == {**other_before, "comment_replies": 1}
    assert case_erased_threads(people) == 0
    assert Comment.objects.filter(user=people["other"]).count() == 1
    # Her request stays, for the registry's decision, without her.
    assert TechnologyRequest.objects.filter(technology__name="Heatmaps").get().requester is None
    # Her account is reported and kept (IT anonymises it explicitly).
    case.refresh_from_db()
    assert case.erased["comments"]["replies_in_their_threads"] == 1
    assert case.erased["accounts"] == {"anonymised": 0, "kept": 1}
    assert case.erased["newsletter"]["subscriptions"] == 2
    assert case.erased["forms"] == {"form_submissions": 2}
    # No more mail to her, by import or send, though her address is gone.
    assert newsletter.is_suppressed(JANE.upper())
    assert newsletter.erased_among({JANE, OTHER}) == {JANE}

    actions = list(
        ModelLogEntry.objects.filter(action__startswith="governance.data_subject")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [data_subjects.FIND, data_subjects.ERASE]
    assert "jane.doe" not in _audit_text()
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "chain intact" in out.getvalue()  # the command exits 1 otherwise

    detail = client.get(reverse("governance_data_subject", args=[case.pk]))
    assert detail.status_code == 200
    assert "jane" not in detail.content.decode().lower()


@pytest.mark.django_db
def test_the_export_is_a_json_attachment_with_every_row(
    people: dict[str, Any], it_admin: Any
) -> None:
    client = client_for(it_admin)
    case = _find(client, JANE)
    response = client.post(
        reverse("governance_data_subject_export"), {"address": JANE, "request": case.pk}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == (
        f'attachment; filename="personal-data-request-{case.pk}.json"'
    )
    document = json.loads(response.content)
    assert document["format"] == "commonground.personal-data-export"
    assert document["version"] == 1
    assert document["address"] == JANE
    modules = document["modules"]
    assert set(modules) == {"forms", "comments", "newsletter", "governance", "accounts"}
    newsletter_records = modules["newsletter"]["records"]
    assert [s["email"] for s in newsletter_records["subscribers"]] == [JANE]
    assert {s["list"] for s in newsletter_records["subscriptions"]} == {"News", "Events"}
    assert len(newsletter_records["deliveries"]) == 2
    assert len(modules["forms"]["records"]["form_submissions"]) == 2
    assert modules["comments"]["records"]["comments"][0]["text"] == "Typo here"
    assert modules["governance"]["records"]["request_comments"][0]["body"] == "Any news?"
    assert modules["accounts"]["records"]["accounts"][0]["id"] == people["jane"].pk
    entry = ModelLogEntry.objects.get(action=data_subjects.EXPORT)
    assert entry.data["exported"]["forms"] == {"form_submissions": 2}
    assert "jane.doe" not in _audit_text()
    assert _counts(JANE)["subscribers"] == 1  # exporting removes nothing


@pytest.mark.django_db
def test_the_account_is_anonymised_only_when_asked(people: dict[str, Any], it_admin: Any) -> None:
    client = client_for(it_admin)
    case = _find(client, JANE)
    client.post(
        reverse("governance_data_subject_erase"),
        {"address": JANE, "request": case.pk, "confirmation": JANE, "anonymise_accounts": "on"},
    )
    jane = get_user_model().objects.get(pk=people["jane"].pk)
    assert (jane.username, jane.email, jane.is_active) == (f"erased-{jane.pk}", "", False)
    assert not jane.has_usable_password() and not jane.groups.exists()
    assert ModelLogEntry.objects.filter(action=data_subjects.ANONYMISE_ACCOUNT).count() == 1
    assert "jane.doe" not in _audit_text()


@pytest.mark.django_db
def test_a_failing_module_rolls_the_whole_erasure_back(
    people: dict[str, Any], it_admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(address: str) -> dict[str, int]:
        raise RuntimeError("disk full")

    sources = {**registry._sources}
    sources["zzz"] = registry.PersonalDataSource("zzz", "Failing", lambda a: {}, fail)
    monkeypatch.setattr(registry, "_sources", sources)
    before = _counts(JANE)
    case = data_subjects.find(user=it_admin, address=JANE).request
    with pytest.raises(RuntimeError):
        data_subjects.erase(user=it_admin, request_id=case.pk, address=JANE)
    assert _counts(JANE) == before
    assert not ModelLogEntry.objects.filter(action=data_subjects.ERASE).exists()


@pytest.mark.django_db
def test_a_wrong_confirmation_or_request_erases_nothing(
    people: dict[str, Any], it_admin: Any
) -> None:
    client = client_for(it_admin)
    case = _find(client, JANE)
    other_case = _find(client, OTHER)
    url = reverse("governance_data_subject_erase")
    before = _counts(JANE)
    wrong = client.post(url, {"address": JANE, "request": case.pk, "confirmation": OTHER})
    assert wrong.status_code == 400
    assert "This is not the address the request is about." in wrong.content.decode()
    mixed = client.post(url, {"address": JANE, "request": other_case.pk, "confirmation": JANE})
    assert mixed.status_code == 302 and mixed["Location"] == reverse("governance_data_subjects")
    for incomplete in ({}, {"address": JANE}, {"address": "x", "request": "y"}):
        response = client.post(url, incomplete)
        assert response.status_code == 302
    export = client.post(
        reverse("governance_data_subject_export"), {"address": JANE, "request": other_case.pk}
    )
    assert export.status_code == 302
    assert _counts(JANE) == before
    assert not ModelLogEntry.objects.filter(
        action__in=[data_subjects.ERASE, data_subjects.EXPORT]
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("not an address", "That is not an e-mail address."),
        ("a@b@c", "That is not an e-mail address."),
        ("x" * 10_000 + "@example.com", "at most 254 characters"),
        ("jöse@example.com", "That is not an e-mail address."),
        ("' OR 1=1 --@example.com", "That is not an e-mail address."),
    ],
)
def test_ugly_addresses_get_a_message_not_a_500(it_admin: Any, address: str, message: str) -> None:
    response = client_for(it_admin).post(reverse("governance_data_subjects"), {"address": address})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DataSubjectRequest.objects.exists()


@pytest.mark.django_db
def test_a_unicode_domain_is_found_in_any_case_on_either_database(home: Any, it_admin: Any) -> None:
    page = LandingPageFactory(parent=home)
    mine = FormSubmission.objects.create(page=page, form_data={"email": "JANE@EXÄMPLE.COM"})
    FormSubmission.objects.create(page=page, form_data={"email": "jane@example.com"})
    findings = data_subjects.find(user=it_admin, address="jane@exämple.com")
    forms = next(h for h in findings.holdings if h.source.name == "forms")
    assert [row["id"] for row in forms.records["form_submissions"]] == [mine.pk]


@pytest.mark.django_db
def test_get_on_post_only_urls_and_a_missing_csrf_token_are_refused(it_admin: Any) -> None:
    client = client_for(it_admin)
    assert client.get(reverse("governance_data_subjects")).status_code == 200
    assert client.get(reverse("governance_data_subject_export")).status_code == 405
    assert client.get(reverse("governance_data_subject_erase")).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(it_admin)
    assert strict.post(reverse("governance_data_subjects"), {"address": JANE}).status_code == 403
    assert client.get(reverse("governance_data_subject", args=[999])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["editor", "publisher", "viewer"])
def test_only_it_handles_data_subject_requests(
    role: str, request: Any, people: dict[str, Any], it_admin: Any
) -> None:
    case = data_subjects.find(user=it_admin, address=JANE).request
    before = _counts(JANE)
    client = client_for(request.getfixturevalue(role))
    step = {"address": JANE, "request": case.pk, "confirmation": JANE}
    for response in (
        client.get(reverse("governance_data_subjects")),
        client.post(reverse("governance_data_subjects"), {"address": JANE}),
        client.post(reverse("governance_data_subject_export"), step),
        client.post(reverse("governance_data_subject_erase"), step),
        client.get(reverse("governance_data_subject", args=[case.pk])),
    ):
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_home")
    assert _counts(JANE) == before
    assert DataSubjectRequest.objects.count() == 1
    with pytest.raises(data_subjects.PermissionDenied):
        data_subjects.erase(user=request.getfixturevalue(role), request_id=case.pk, address=JANE)


@pytest.mark.django_db
def test_admin_changes_to_subscribers_put_no_address_in_the_trail(it_admin: Any) -> None:
    client = client_for(it_admin)
    added = client.post(reverse("newsletter_subscribers:add"), {"email": JANE, "name": "Jane"})
    assert added.status_code == 302
    suppressed = client.post(
        reverse("newsletter_suppressions:add"),
        {"email": OTHER, "reason": "manual", "detail": ""},
    )
    assert suppressed.status_code == 302
    assert Subscriber.objects.filter(email=JANE).exists()
    assert Suppression.objects.filter(email=OTHER).exists()
    labels = list(ModelLogEntry.objects.values_list("label", flat=True))
    assert len(labels) == 2
    assert "jane.doe" not in _audit_text() and "other.person" not in _audit_text()


@pytest.mark.django_db
def test_an_erased_address_is_skipped_by_a_later_import(
    people: dict[str, Any], it_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from commonground.distribution.imports import csv_files
    from commonground.distribution.imports import services as imports

    case = data_subjects.find(user=it_admin, address=JANE).request
    data_subjects.erase(user=it_admin, request_id=case.pk, address=JANE)
    news = MailingList.objects.get(name="News")
    with django_capture_on_commit_callbacks(execute=True):
        done = imports.start_import(
            subscriber_csv=csv_files.read(f"email\n{JANE.upper()}\nnew@example.com\n".encode()),
            file_name="old-list.csv",
            mailing_list=news,
            consent_mode="confirmed",
            consent_record="Trade fair 2019",
            consent_attested=True,
            by=it_admin,
        )
    rows = dict(
        SubscriberImportRow.objects.filter(subscriber_import=done).values_list("value", "reason")
    )
    assert rows[JANE.upper()] == "erased on request: nothing is sent to it"
    assert not Subscriber.objects.filter(email__iexact=JANE).exists()
    assert Subscriber.objects.filter(email="new@example.com").exists()
