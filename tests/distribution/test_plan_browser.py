"""Issue 15, point 3 in a real Chromium: the Distribute tab refuses a channel that would reach
nobody (with the reason and a link to fix it), shows only the chosen channel's fields, and
lets autosave keep a half-written row instead of pausing on it.

The server is its own granian with a Mastodon account configured (the shared one has none, so
Mastodon would not be offered); its address answers nothing, and nothing is posted anyway.
Database work stays outside ``sync_playwright()`` (Django refuses ORM calls in its loop)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from wagtail.models import Page

from commonground.core.http.web_server import granian_command
from commonground.distribution.models import PlannedChannel

from ..browser import BROWSER_TEST, launch_chromium
from ..conftest import sign_in_to_admin
from ..content.factories import StandardPageFactory
from ..live_http import Browser
from ..processes import Process, free_port, subprocess_env, wait_for

pytestmark = BROWSER_TEST

SCREENSHOTS = Path("var/screenshots/issue15")


@pytest.fixture
def server_with_mastodon(
    transactional_db: None,
    django_db_serialized_rollback: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = Process(
        "granian-mastodon",
        granian_command(host="127.0.0.1", port=port, workers=1),
        env=subprocess_env(
            MASTODON_API_BASE_URL=f"http://127.0.0.1:{free_port()}",
            MASTODON_ACCESS_TOKEN="a-token-nothing-checks",
        ),
        log_dir=tmp_path_factory.mktemp("granian-mastodon"),
    )

    def answers() -> bool:
        server.assert_running()
        try:
            return Browser().get(f"{url}/robots.txt").status == 200
        except OSError:
            return False

    try:
        wait_for(answers, timeout=60, interval=0.25)
        yield url
    finally:
        server.stop()


def _shown_fields(row: object) -> list[str]:
    names = ("mailing_list", "subject", "preheader", "text")
    return [
        name
        for name in names
        if row.locator(f"[data-cg-plan-field='{name}']").is_visible()  # type: ignore[attr-defined]
    ]


def test_the_distribute_tab_says_what_a_channel_will_do(
    server_with_mastodon: str, home: Page, editor
) -> None:
    from playwright.sync_api import expect, sync_playwright

    live_url = server_with_mastodon
    page = StandardPageFactory(parent=home, title="Spring launch", slug="spring")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        tab = browser.new_page(viewport={"width": 1280, "height": 1000})
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        sign_in_to_admin(tab, live_url, editor.username)
        tab.goto(f"{live_url}/admin/pages/{page.pk}/edit/")
        tab.wait_for_timeout(2000)  # the editor's change tracking starts after loading
        tab.get_by_role("tab", name="Distribute").click()
        tab.get_by_role("button", name="Add channel").click()
        channel = tab.locator("select[name='distribution-0-channel']")
        row = tab.locator("[data-inline-panel-child]").filter(has=channel)

        # Half a newsletter row (no list yet): autosave keeps it, and says nothing is wrong.
        channel.select_option("newsletter")
        subject = row.locator("input[name='distribution-0-subject']")
        with tab.expect_response(
            lambda answer: (
                answer.request.method == "POST"
                and "cg-plan-autosave" in (answer.request.post_data or "")
            ),
            timeout=20_000,
        ) as autosave:
            subject.press_sequentially("Half a subject", delay=20)
        autosaved = (autosave.value.status, autosave.value.json())
        tab.wait_for_timeout(1000)  # past the 500 ms autosave interval: any banner is up
        paused = tab.get_by_text("Autosave is paused").is_visible()
        banner = tab.get_by_text("There are validation errors").count()
        row.scroll_into_view_if_needed()
        tab.screenshot(path=str(SCREENSHOTS / "channels-half-row-autosaved.png"))

        shown_for_newsletter = _shown_fields(row)
        channel.select_option("mastodon")
        shown_for_mastodon = _shown_fields(row)
        row.locator("textarea[name='distribution-0-text']").fill("Spring is here")
        expect(row.locator(".cg-post-counter")).to_contain_text("characters on Mastodon")
        channel.select_option("webhooks")
        shown_for_webhooks = _shown_fields(row)

        # No endpoint subscribes to page.published: an explicit save refuses the row.
        with tab.expect_navigation():
            tab.get_by_role("button", name="Save draft").click()
        tab.get_by_role("tab", name="Distribute").click()
        refusal = tab.locator("[data-inline-panel-child]").filter(has_text="cannot send").first
        expect(refusal).to_contain_text("No active webhook endpoint subscribes")
        fix = refusal.get_by_role("link", name="Set up an endpoint on the Webhooks page")
        expect(fix).to_have_attribute("href", "/admin/webhooks/")
        refusal.scroll_into_view_if_needed()
        tab.screenshot(path=str(SCREENSHOTS / "channels-refused-webhooks.png"))
        browser.close()

    assert not errors, errors
    assert shown_for_webhooks == []
    assert shown_for_newsletter == ["mailing_list", "subject", "preheader"]
    assert shown_for_mastodon == ["text"]
    assert autosaved[0] == 200 and autosaved[1]["success"], autosaved
    assert (paused, banner) == (False, 0)
    # The refused save kept nothing: the live page has no plan row.
    assert not PlannedChannel.objects.filter(page=page).exists()
