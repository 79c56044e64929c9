"""The role matrix, Viewer column (issue 15, point 5): every admin URL of config.urls, its path
parameters filled with real objects, fetched as a signed-in Viewer from the live server.

Each answers 200, a redirect or a 4xx refusal, never 5xx; the read-only screens answer 200; and
no answer carries any of the personal data planted here: a subscriber's and a recipient's
address, a form submission's contents, a consent record's id.
"""

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AbstractUser
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from wagtail.contrib.forms.models import FormSubmission
from wagtail.log_actions import log
from wagtail.models import Page, Site

from commonground.distribution.models import Delivery, Dispatch, MailingList
from commonground.distribution.newsletter.models import Subscriber, Subscription, Suppression
from commonground.governance.consent.models import ConsentRecord

from ..content.factories import ContentImageFactory, LandingPageFactory
from ..core.factories import PASSWORD
from ..live_http import Browser, csrf_token_in

ADMIN = "admin/"
# Wagtail's own "test the error page" URL raises on purpose, for every signed-in user.
NOT_FETCHED = {"wagtailadmin_error_test": "Wagtail's deliberate 500 test page"}
# Fetched last: they end the session.
LAST = ("wagtailadmin_logout",)
READABLE = (
    "wagtailadmin_home",
    "wagtailadmin_explore_root",
    "wagtailadmin_explore",
    "wagtailadmin_pages:search",
    "wagtailadmin_pages:search_results",
    "wagtailadmin_choose_page",
    "commonground_content_overview",
    "distribution_dispatches",
    "distribution_dispatch",
    "distribution_dispatch_progress",
    "wagtailimages_chooser:choose",
    "wagtaildocs_chooser:choose",
    "analytics_dashboard",
    "newsletter_lists:index",
)
REFUSED = (
    "newsletter_subscribers:index",
    "newsletter_subscribers:inspect",
    "newsletter_suppressions:index",
    "wagtailforms:list_submissions",
    "governance_consent_records",
    "governance_data_subjects",
    "wagtailusers_users:index",
    "api_keys:add",
    "wagtailadmin_pages:edit",
    "wagtailadmin_pages:add_subpage",
    "wagtailadmin_pages:delete",
    "wagtailimages:edit",
    "wagtaildocs:edit",
)


@dataclass(frozen=True)
class AdminUrl:
    name: str | None
    route: str
    pattern: URLPattern


def admin_urls() -> Iterator[AdminUrl]:
    def walk(patterns: list[Any], prefix: str, namespace: str | None) -> Iterator[AdminUrl]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = ":".join(n for n in (namespace, entry.namespace) if n) or None
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
                yield AdminUrl(name, prefix + str(entry.pattern), entry)

    for url in walk(get_resolver().url_patterns, "", None):
        if url.route.startswith(ADMIN):
            yield url


def parameters(route: str) -> list[str]:
    return re.findall(r"<(?:\w+:)?(\w+)>", route)


@dataclass
class Planted:
    landing: Page
    home: Page
    image_id: int
    document_id: int
    dispatch_id: int
    secrets: tuple[str, ...]


def _view_model(pattern: URLPattern) -> type[Model] | None:
    callback = pattern.callback
    model = getattr(callback, "view_initkwargs", {}).get("model")
    model = model or getattr(getattr(callback, "view_class", None), "model", None)
    return model if isinstance(model, type) and issubclass(model, Model) else None


def _first_pk(model: type[Model]) -> int | None:
    pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    return pk if isinstance(pk, int) else None


def fill(url: AdminUrl, planted: Planted) -> dict[str, Any]:
    """Real ids for the URL's parameters where there are objects of that kind; a made-up
    value elsewhere (the view then answers 404, which the matrix accepts)."""
    name = url.name or ""
    page = planted.landing
    revision = page.get_latest_revision()
    model = _view_model(url.pattern)
    values: dict[str, Any] = {
        "page_id": page.pk,
        "parent_page_id": page.pk,
        "page_pk": page.pk,
        "page_to_move_id": page.pk,
        "destination_id": planted.home.pk,
        "image_id": planted.image_id,
        "document_id": planted.document_id,
        "doc_id": planted.document_id,
        "revision_id": revision.pk if revision else 1,
        "revision_id_a": "earliest",
        "revision_id_b": "latest",
        "content_type_app_name": "content",
        "content_type_model_name": "landingpage",
        "app_label": "content",
        "model_name": "landingpage",
        "app_name": "content",
        "action": "delete",
        "action_name": "approve",
        "uidb64": "MQ",
        "token": "no-such-token",
        "quarter": "2026-Q4",
        "filter_spec": "max-165x165",
        "slug": "no-such-term",
        "kind": "no-such-kind",
        "object_id": str(page.pk),
    }
    if name.startswith("distribution_dispatch"):
        pk: Any = planted.dispatch_id
    elif name.startswith(("wagtailadmin_pages:", "wagtailadmin_explore", "wagtailforms:")):
        pk = page.pk
    elif model is not None:
        pk = _first_pk(model) or 1
    else:
        pk = 1
    return {key: values.get(key, pk if key == "pk" else 1) for key in parameters(url.route)}


def url_path(url: AdminUrl, planted: Planted) -> str:
    if url.name:
        return reverse(url.name, kwargs=fill(url, planted) or None)
    # Unnamed: Wagtail's catch-all and its 404 test page.
    return "/admin/no-such-screen/" if "^" in url.route else "/" + url.route


@pytest.fixture
def planted(home: Page) -> Planted:
    tag = uuid.uuid4().hex[:10]
    subscriber_email = f"planted.subscriber.{tag}@example.org"
    recipient_email = f"planted.recipient.{tag}@example.org"
    suppressed_email = f"planted.suppressed.{tag}@example.org"
    submission_text = f"Planted submission secret {tag}"
    consent_id = f"planted-consent-{tag}"

    landing = LandingPageFactory(parent=home, title="Spring demo", slug="spring-demo")
    landing.save_revision().publish()
    FormSubmission.objects.create(
        page=landing,
        form_data={"name": submission_text, "email": f"lead.{tag}@example.org"},
    )
    news = MailingList.objects.create(name="Product news")
    subscriber = Subscriber.objects.create(email=subscriber_email, name=f"Planted Name {tag}")
    subscription = Subscription.objects.create(
        subscriber=subscriber, mailing_list=news, status=Subscription.Status.CONFIRMED
    )
    # The audit trail records the creation, as the admin's viewsets do.
    log(subscriber, "wagtail.create")
    Suppression.objects.create(email=suppressed_email, reason=Suppression.Reason.values[0])
    dispatch = Dispatch.objects.create(
        page=landing,
        planned_channel_id=landing.pk * 100,
        channel="newsletter",
        mailing_list=news,
        title=landing.title,
        url="https://example.com/spring-demo/",
        campaign="spring",
        due_at=timezone.now(),
        recipients_expanded=True,
    )
    Delivery.objects.create(
        dispatch=dispatch,
        recipient=recipient_email,
        subscription=subscription,
        idempotency_key=f"r-{tag}",
        status=Delivery.Status.FAILED,
        error=f"550 <{recipient_email}>: mailbox unavailable",
    )
    ConsentRecord.objects.create(
        consent_id=consent_id,
        site=Site.objects.get(is_default_site=True),
        banner_version="1",
        granted=["statistics"],
        chosen_at=timezone.now(),
    )
    image = ContentImageFactory()
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    document = get_document_model().objects.create(
        title="Price list", file=ContentFile(b"%PDF-1.4 price list", name="prices.pdf")
    )
    return Planted(
        landing=landing,
        home=home,
        image_id=image.pk,
        document_id=document.pk,
        dispatch_id=dispatch.pk,
        secrets=(subscriber_email, recipient_email, suppressed_email, submission_text, consent_id),
    )


def sign_in(live_url: str, user: AbstractUser) -> Browser:
    browser = Browser(cookies=True)
    login = browser.get(f"{live_url}/admin/login/")
    token = csrf_token_in(login.text)
    assert token, login.text[:500]
    answer = browser.post_form(
        f"{live_url}/admin/login/",
        {"csrfmiddlewaretoken": token, "username": user.get_username(), "password": PASSWORD},
        referer=f"{live_url}/admin/login/",
    )
    assert answer.status == 302, answer.text[:500]
    assert browser.get(f"{live_url}/admin/").status == 200
    return browser


def test_the_viewer_reads_every_admin_screen_it_may_and_no_personal_data(
    live_url: str, viewer: AbstractUser, planted: Planted
) -> None:
    started = time.monotonic()
    urls = [url for url in admin_urls() if url.name not in NOT_FETCHED]
    urls.sort(key=lambda url: url.name in LAST)
    names = {url.name for url in urls}
    assert set(READABLE) | set(REFUSED) <= names, set(READABLE) | set(REFUSED) - names
    assert len(urls) > 300  # the walk found the whole admin, not a corner of it

    browser = sign_in(live_url, viewer)
    answers: dict[str, tuple[str, int]] = {}
    leaks: list[tuple[str, str]] = []
    for url in urls:
        path = url_path(url, planted)
        answer = browser.get(f"{live_url}{path}")
        answers[url.name or url.route] = (path, answer.status)
        leaks += [(path, secret) for secret in planted.secrets if secret in answer.text]

    server_errors = {name: got for name, got in answers.items() if got[1] >= 500}
    assert not server_errors
    unexpected = {
        name: got for name, got in answers.items() if got[1] not in (200, 302, 400, 403, 404, 405)
    }
    assert not unexpected
    assert not leaks
    not_readable = {name: answers[name] for name in READABLE if answers[name][1] != 200}
    assert not not_readable
    # Wagtail refuses an admin screen with a redirect home; our own views with a 403.
    not_refused = {name: answers[name] for name in REFUSED if answers[name][1] not in (302, 403)}
    assert not not_refused
    assert time.monotonic() - started < 90


def test_the_viewer_cannot_create_a_stats_api_key(live_url: str, viewer: AbstractUser) -> None:
    from commonground.analytics.models import StatsApiKey, TrackedSite

    site = TrackedSite.objects.create(domain="shop.example.com", name="Shop")
    browser = sign_in(live_url, viewer)
    page = browser.get(f"{live_url}/admin/api-keys/")
    token = csrf_token_in(page.text) or browser.cookie("csrftoken") or ""
    answer = browser.post_form(
        f"{live_url}{reverse('api_keys:add')}",
        {"csrfmiddlewaretoken": token, "name": "mine", "sites": str(site.pk)},
        referer=f"{live_url}/admin/api-keys/",
    )
    assert answer.status == 403, answer.status
    assert "permission IT grants" in answer.text
    assert not StatsApiKey.objects.exists()


@pytest.mark.django_db
def test_the_viewer_explores_the_page_tree_without_any_edit_action(
    viewer: AbstractUser, home: Page
) -> None:
    from ..conftest import client_for

    landing = LandingPageFactory(parent=home, title="Spring demo", slug="spring-demo")
    client = client_for(viewer)
    explorer = client.get(reverse("wagtailadmin_explore", args=[home.pk]))
    assert explorer.status_code == 200
    html = explorer.content.decode()
    assert "Spring demo" in html
    for action in ("edit", "delete", "move", "copy", "unpublish", "add_subpage"):
        assert reverse(f"wagtailadmin_pages:{action}", args=[landing.pk]) not in html, action
    assert client.get(reverse("wagtailadmin_pages:edit", args=[landing.pk])).status_code == 302
    found = client.get(reverse("wagtailadmin_pages:search"), {"q": "Spring"})
    assert found.status_code == 200 and "Spring demo" in found.content.decode()


@pytest.mark.django_db
def test_the_viewer_sees_how_many_submissions_a_form_has_not_what_they_say(
    viewer: AbstractUser, home: Page
) -> None:
    from ..conftest import client_for

    landing = LandingPageFactory(parent=home, title="Spring demo", slug="spring-demo")
    for n in range(3):
        FormSubmission.objects.create(page=landing, form_data={"message": f"secret answer {n}"})
    client = client_for(viewer)
    report = client.get(reverse("commonground_content_overview_results"))
    assert report.status_code == 200
    row = re.search(
        rf'data-content-overview-page="{landing.pk}".*?</tr>', report.content.decode(), re.S
    )
    assert row and re.search(r"data-content-overview-submissions>3<", row.group(0))
    assert "secret answer" not in report.content.decode()
    submissions = client.get(reverse("wagtailforms:list_submissions", args=[landing.pk]))
    assert submissions.status_code == 302  # the contents stay with those who may edit the page
