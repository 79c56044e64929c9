"""Loading the demo site in one transaction: detect, reset, build, index and report."""

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from wagtail.documents.models import Document
from wagtail.models import Collection, Page, ReferenceIndex, Site, Workflow, WorkflowState
from wagtail.signal_handlers import disable_reference_index_auto_update
from wagtail.users.models import UserProfile

from commonground.alignment.public import load_alignment_demo
from commonground.analytics.public import ensure_goals, ensure_history, ensure_tracked_site
from commonground.core.http import origins
from commonground.core.roles import APPROVAL_WORKFLOW
from commonground.distribution.public import load_distribution_demo
from commonground.governance.public import load_governance_demo, scan_demo_site

from ..models import Author, ContentImage, HomePage
from . import streams as s
from .blog import BLOG_IMAGES, DEMO_AUTHOR_NAMES, TEAM_IMAGES, build_blog
from .campaign import CAMPAIGN_IMAGES, build_campaign
from .media import DEMO_COLLECTIONS, create_document, create_images
from .pages import (
    BRAND_IMAGES,
    COMPANY,
    build_about,
    build_customers,
    build_pricing,
    build_privacy,
    create_home,
    finish_home,
)
from .product import build_product, build_solutions
from .users import DemoUsers, Login, ensure_demo_users

Write = Callable[[str], None]


@dataclass(frozen=True)
class DemoSummary:
    built: bool
    pages: int
    site_url: str
    admin_url: str
    logins: tuple[Login, ...]
    logins_file: Path


def load_demo(*, reset: bool = False, write: Write = print) -> DemoSummary:
    """Build the demo site unless it is already there; with ``reset``, rebuild it from scratch."""
    started = time.monotonic()
    with transaction.atomic(durable=True):
        users = ensure_demo_users()
        write(f"Demo users ready: {', '.join(login.username for login in users.logins)}")
        existing = HomePage.objects.first()
        built = existing is None or reset
        if existing is not None and not reset:
            write("The demo site is already loaded; leaving it as it is (--reset rebuilds it).")
        else:
            _clear_site_root(write)
            home = _build(users, write)
            _point_default_site_at(home)
            write(f"Demo built in {time.monotonic() - started:.1f}s.")
        home = HomePage.objects.get()
        pages = home.get_descendants(inclusive=True).count()
        # Count the demo's own visits: the tracker reports the host it is served from.
        site = ensure_tracked_site(
            domain=urlsplit(settings.WAGTAILADMIN_BASE_URL).hostname or "127.0.0.1",
            name=home.title,
        )
        ensure_goals(site=site, events=GOAL_EVENTS, pages=GOAL_PAGES)
        paths = [
            page.url_path.removeprefix(home.url_path.rstrip("/")) or "/"
            for page in home.get_descendants(inclusive=True).live().public()
        ]
    write(ensure_history(site=site.domain, paths=paths, days=HISTORY_DAYS, events=HISTORY_EVENTS))
    # After the commit: the scan renders the published pages through the whole request stack.
    scan_demo_site(write=write)
    # Last: the shared goals read the history, the scan and the registry made above.
    load_alignment_demo(site=site.domain, cmo=users.cmo, cio=users.cio, write=write)
    base_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    summary = DemoSummary(
        built=built,
        pages=pages,
        site_url=f"{base_url}/",
        admin_url=f"{origins.admin_base_url() or base_url}/admin/",
        logins=users.logins,
        logins_file=users.logins_file,
    )
    _report(summary, write)
    return summary


HISTORY_DAYS = 90
HISTORY_EVENTS = 300_000
# The custom events the tracker sends on its own and the demo history holds, so the dashboard
# shows conversions; and one page goal.
GOAL_EVENTS = ("Signup", "Purchase", "File Download", "Outbound Link: Click", "Form: Submission")
GOAL_PAGES = ("/pricing/",)


def _clear_site_root(write: Write) -> None:
    """Detach the default site from its root and delete Wagtail's welcome page or an old demo."""
    root = Page.get_first_root_node()
    Site.objects.filter(is_default_site=True).update(root_page=root)
    welcome_pages = Page.objects.filter(
        depth=2, numchild=0, content_type=ContentType.objects.get_for_model(Page)
    )
    for page in [*welcome_pages, *HomePage.objects.all()]:
        page_ids = [
            str(pk) for pk in page.get_descendants(inclusive=True).values_list("pk", flat=True)
        ]
        WorkflowState.objects.filter(
            base_content_type=ContentType.objects.get_for_model(Page), object_id__in=page_ids
        ).delete()
        write(f"Removing {page.title!r} and its {len(page_ids) - 1} subpages")
        page.delete()
    Author.objects.filter(name__in=DEMO_AUTHOR_NAMES).delete()
    collections = Collection.objects.filter(depth=2, name__in=DEMO_COLLECTIONS)
    for model in (ContentImage, Document):
        for item in model.objects.filter(collection__in=collections):
            # One by one so Wagtail's delete signals remove the files from storage.
            item.delete()


def _point_default_site_at(home: HomePage) -> None:
    base = urlsplit(settings.WAGTAILADMIN_BASE_URL)
    hostname = base.hostname or "127.0.0.1"
    port = base.port or (443 if base.scheme == "https" else 80)
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    site.root_page = home
    site.site_name = COMPANY
    # Kept the default site, so any host name reaches it; the name and port only shape full URLs.
    if not Site.objects.filter(hostname=hostname, port=port).exclude(pk=site.pk).exists():
        site.hostname, site.port = hostname, port
    site.save()


def _build(users: DemoUsers, write: Write) -> HomePage:
    admin, editor = users.admin, users.editor
    root = Page.get_first_root_node()
    # Indexed once at the end instead of queueing a task for every save.
    with disable_reference_index_auto_update():
        write("Drawing images ...")
        images = create_images(
            [*BRAND_IMAGES, *CAMPAIGN_IMAGES, *TEAM_IMAGES, *BLOG_IMAGES],
            user=admin,
            progress=write,
        )
        security_pdf = create_document(
            title="Larkspur security overview",
            filename="larkspur-security-overview.pdf",
            collection="Brand",
            user=admin,
            lines=[
                "How Larkspur Data protects your data",
                "",
                "1. Read-only access, scoped to the schemas you choose.",
                "2. Only metadata and aggregates leave your warehouse.",
                "3. Hosting in the EU (Frankfurt) or US (Oregon).",
                "4. SOC 2 Type II and ISO 27001 certified.",
                "5. SSO (SAML, OIDC), SCIM and audit-log export.",
                "",
                "Questions? security@larkspur.example",
            ],
        )
        agenda = create_document(
            title="Spring launch webinar agenda",
            filename="spring-launch-webinar-agenda.pdf",
            collection="Brand",
            user=admin,
            lines=[
                "16:00  Welcome and what is new this spring",
                "16:10  Live demo: anomaly detection on any SQL metric",
                "16:25  Customer story: Harbourline Freight",
                "16:35  Roadmap for the rest of the year",
                "16:40  Open Q&A",
            ],
        )
        write("  2 documents written")

        write("Building the page tree ...")
        home = create_home(root, images=images, user=admin)
        product, _features, integrations, _security = build_product(
            home, images=images, security_pdf=security_pdf, user=admin
        )
        build_solutions(home, images=images, user=admin)
        pricing = build_pricing(home, user=admin)
        customers, _case_study = build_customers(home, images=images, user=admin, editor=editor)
        write("  home, product, solutions, pricing and customers published")
        blog = build_blog(home, images=images, admin=admin, editor=editor)
        write(
            f"  blog: {len(blog.articles)} articles by {len(blog.authors)} authors, "
            "1 scheduled, 1 awaiting approval"
        )
        _about, _team, careers, _contact = build_about(home, images=images, user=admin)
        privacy = build_privacy(home, user=admin)
        landing = build_campaign(home, images=images, agenda=agenda, privacy=privacy, user=admin)
        write(f"  landing page {landing.title!r} with {len(landing.form_fields.all())} form fields")
        finish_home(
            home,
            images=images,
            product=product,
            pricing=pricing,
            customers=customers,
            landing=landing,
            user=admin,
        )

        write("Leaving work in progress for the editors ...")
        # A live page with newer, unpublished edits.
        careers.intro = (
            "Join us in making data the most reliable thing in the building. We are hiring!"
        )
        careers.body.append(("call_to_action", _apply_cta(careers)))
        careers.save_revision(user=editor, log_action=True)
        # Edits to a live page, and a new article, both submitted for a publisher's approval.
        integrations.intro = (
            "Larkspur connects to the tools you already run, with read-only credentials. "
            "New this month: Microsoft Fabric."
        )
        integrations.save_revision(user=editor, log_action=True)
        workflow = Workflow.objects.get(name=APPROVAL_WORKFLOW)
        with _approvers_not_emailed():
            for page in (integrations, blog.moderated):
                workflow.start(page, editor)
        write("  2 pages in moderation, 2 drafts, 1 scheduled article, 1 page with an expiry date")

        write("Adding the newsletter and a past send ...")
        newest = max((a for a in blog.articles if a.live), key=lambda a: a.date)
        load_distribution_demo(sent=newest, upcoming=blog.scheduled, write=write)

        write("Filling the technology registry ...")
        load_governance_demo(write=write)

    write("Updating the reference index ...")
    _index_references(
        [
            *home.get_descendants(inclusive=True).specific(),
            *blog.authors,
            *images.values(),
            security_pdf,
            agenda,
        ]
    )
    return home


@contextmanager
def _approvers_not_emailed() -> Iterator[None]:
    """Staged submissions are not news: Wagtail would e-mail every approver about them."""
    profiles = [
        UserProfile.get_for_user(user) for user in get_user_model().objects.exclude(email="")
    ]
    wanted = [profile.pk for profile in profiles if profile.submitted_notifications]
    UserProfile.objects.filter(pk__in=wanted).update(submitted_notifications=False)
    try:
        yield
    finally:
        UserProfile.objects.filter(pk__in=wanted).update(submitted_notifications=True)


def _apply_cta(page: Page) -> dict[str, object]:
    value = s.call_to_action("Apply now", url="https://jobs.larkspur.example")["value"]
    block_value: dict[str, object] = value
    button: dict[str, object] = page.body.stream_block.child_blocks["call_to_action"].to_python(
        block_value
    )
    return button


def _index_references(objects: Iterable[models.Model]) -> None:
    for obj in objects:
        if ReferenceIndex.is_indexed(type(obj)):
            ReferenceIndex.create_or_update_for_object(obj)


def _report(summary: DemoSummary, write: Write) -> None:
    write("")
    state = "built" if summary.built else "already loaded"
    write(f"Demo site {COMPANY!r} {state}: {summary.pages} pages.")
    write(f"  Site:  {summary.site_url}")
    write(f"  Admin: {summary.admin_url}")
    write(f"  Sign-ins (also in {summary.logins_file}, readable only by you):")
    width = max(len(login.username) for login in summary.logins)
    for login in summary.logins:
        password = login.password or "(existing account, password unchanged)"
        write(f"    {login.username:<{width}}  {password:<18}  {login.role}")
    write(
        "  IT administrators (and the superuser) set up two-factor sign-in with an "
        "authenticator app at their first sign-in; the marketing accounts need none."
    )
