"""The demo loader builds the whole demo site once; a second run only reports the sign-ins."""

import io
import stat
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from wagtail.contrib.forms.models import FormSubmission
from wagtail.documents.models import Document
from wagtail.models import Page, ReferenceIndex, Revision, Site, WorkflowState

from commonground.analytics.eventstore.duckdb import DuckDBEventStore
from commonground.content.demo import load_demo
from commonground.content.models import Author, ContentImage, HomePage
from commonground.core.roles import (
    IT_ADMINISTRATOR,
    IT_LEAD,
    MARKETING_EDITOR,
    MARKETING_LEAD,
    MARKETING_PUBLISHER,
    VIEWER,
)

EVERY_BLOCK = {
    "heading",
    "paragraph",
    "image",
    "image_and_text",
    "quote",
    "call_to_action",
    "table",
    "faq",
    "video",
    "html",
}


def _snapshot() -> dict[str, Any]:
    pages = Page.objects.filter(depth__gt=1)
    return {
        "pages": Counter(page.specific_class.__name__ for page in pages),
        "live": pages.filter(live=True).count(),
        "revisions": Revision.objects.count(),
        "images": ContentImage.objects.count(),
        "documents": Document.objects.count(),
        "authors": Author.objects.count(),
        "submissions": FormSubmission.objects.count(),
        "in_moderation": WorkflowState.objects.filter(status="in_progress").count(),
        "references": ReferenceIndex.objects.count(),
    }


def _history(path: Path) -> tuple[int, int, date, set[str]]:
    store = DuckDBEventStore(path)
    try:
        [(events, days, last)] = store.query(
            "SELECT count(*), count(DISTINCT CAST(ts AS DATE)), max(CAST(ts AS DATE)) FROM events"
        )
        pages = {row[0] for row in store.query("SELECT DISTINCT pathname FROM events")}
    finally:
        store.close()
    return events, days, last, pages


@pytest.mark.django_db
def test_demo_loads_once_and_a_second_run_reuses_it(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DATA_DIR = tmp_path
    store_path = tmp_path / "events.duckdb"
    settings.EVENT_STORE = {**settings.EVENT_STORE, "OPTIONS": {"path": str(store_path)}}
    monkeypatch.delenv("DEMO_ADMIN_PASSWORD", raising=False)

    first = load_demo(write=lambda line: None)
    after_first = _snapshot()
    history = _history(store_path)

    output = io.StringIO()
    call_command("load_demo", stdout=output)
    after_second = _snapshot()
    assert "events already stored" in output.getvalue()
    assert _history(store_path) == history

    # 90 days of traffic on the demo's own pages, ending yesterday.
    events, days, last_day, pages = history
    assert events == 300_000
    assert days == 90
    assert last_day == date.today() - timedelta(days=1)
    assert "/pricing/" in pages

    assert first.built
    assert after_second == after_first
    assert after_first["pages"] == Counter(
        StandardPage=15, ArticlePage=10, HomePage=1, ArticleIndexPage=1, LandingPage=1
    )
    assert after_first["live"] == 25
    assert after_first["images"] == 27
    assert after_first["documents"] == 2
    assert after_first["authors"] == 4
    assert after_first["submissions"] == 5
    assert after_first["in_moderation"] == 2
    assert after_first["references"] > 50

    home = HomePage.objects.get()
    assert Site.objects.get(is_default_site=True).root_page_id == home.pk
    assert not Page.objects.filter(title__startswith="Welcome to your new Wagtail").exists()
    scheduled = Revision.objects.get(approved_go_live_at__isnull=False)
    assert not scheduled.content_object.live
    # The newsletter: a list, a past send with its deliveries, a plan on the scheduled article.
    from commonground.distribution.models import Delivery, Dispatch, Subscription

    assert Subscription.objects.filter(status="confirmed").count() == 70
    assert set(Dispatch.objects.values_list("channel", "status")) == {
        ("newsletter", "done"),
        ("linkedin", "done"),
    }
    assert Delivery.objects.filter(status="sent").count() == 69 + 1
    planned = {row["channel"] for row in scheduled.content["distribution"]}
    assert planned == {"newsletter", "linkedin"}
    assert Page.objects.filter(live=True, has_unpublished_changes=True).count() == 2
    assert Page.objects.filter(live=True, expire_at__isnull=False).count() == 1
    used_blocks = {
        block.block_type
        for page in Page.objects.live().specific()
        for block in getattr(page, "body", [])
    }
    assert used_blocks == EVERY_BLOCK

    logins_file = tmp_path / "demo-logins.txt"
    assert stat.S_IMODE(logins_file.stat().st_mode) == 0o600
    roles = {login.username: login.role for login in first.logins}
    assert roles == {
        "admin": "Superuser",
        "editor": MARKETING_EDITOR,
        "publisher": MARKETING_PUBLISHER,
        "itadmin": IT_ADMINISTRATOR,
        "viewer": VIEWER,
        "cmo": MARKETING_LEAD,
        "cio": IT_LEAD,
    }
    # The CMO also publishes; the CIO holds the IT Lead role alone (least privilege).
    assert set(
        get_user_model().objects.get(username="cmo").groups.values_list("name", flat=True)
    ) == {MARKETING_LEAD, MARKETING_PUBLISHER}
    report = output.getvalue()
    assert "already loaded" in report
    assert f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}/admin/" in report
    for login in first.logins:
        assert login.password is not None
        assert login.password in report
        user = authenticate(username=login.username, password=login.password)
        assert user is not None
        if login.role == "Superuser":
            assert user.is_superuser
        else:
            assert user.groups.filter(name=login.role).exists()
