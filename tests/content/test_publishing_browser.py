"""Publishing without traps (issue 15, point 7), in a real Chromium on the live server: the
schedule dialog (time zone, no overlap, Esc keeps what was typed), the reviewer's primary
button, a new page published while its autosave is on the way back, a save badge that
agrees with the error banner, and the calendar showing the scheduled page. Screenshots go
to var/screenshots/issue15/publishing-*.png.

Database work stays outside ``sync_playwright()`` (Django refuses ORM calls while its event
loop runs in this thread)."""

import datetime
from pathlib import Path

from django.utils import timezone
from wagtail.models import Page, Revision

from ..browser import BROWSER_TEST, launch_chromium
from ..conftest import sign_in_to_admin
from .factories import ArticleIndexPageFactory, ArticlePageFactory, StandardPageFactory

pytestmark = BROWSER_TEST

SCREENSHOTS = Path("var/screenshots/issue15")
DESKTOP = {"width": 1280, "height": 800}


def _shot(tab, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"publishing-{name}.png"))


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_schedule_through_the_dialog_then_see_it_in_the_calendar(live_url, home, publisher) -> None:
    from playwright.sync_api import sync_playwright

    page = StandardPageFactory(parent=home, title="Spring launch", live=False)
    go_live = (timezone.localdate() + datetime.timedelta(days=3)).isoformat() + " 09:30"
    username = publisher.username

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        # The editor sits in New York; the site's zone (settings.TIME_ZONE) is UTC.
        context = browser.new_context(viewport=DESKTOP, timezone_id="America/New_York")
        tab = context.new_page()
        sign_in_to_admin(tab, live_url, username)
        tab.goto(f"{live_url}/admin/pages/{page.pk}/edit/")
        tab.wait_for_load_state("networkidle")
        tab.locator("[data-side-panel-toggle='status']").click()
        tab.get_by_role("button", name="Set schedule").first.click()
        dialog = tab.locator("#schedule-publishing-dialog")
        zone_note = dialog.locator(".cg-schedule-time-zone").inner_text(timeout=5_000)
        go_live_input = dialog.locator("input[name=go_live_at]")
        go_live_input.click()
        picker = tab.locator(".xdsoft_datetimepicker:visible").first
        picker.wait_for(state="visible")
        tab.wait_for_timeout(600)  # the picker is moved beside the field after it opens
        save_schedule = dialog.get_by_role("button", name="Save schedule")
        picker_box, save_box = picker.bounding_box(), save_schedule.bounding_box()
        input_box = go_live_input.bounding_box()
        _shot(tab, "schedule-dialog")
        # Save schedule is what the topmost element at its centre is: clickable.
        save_on_top = tab.evaluate(
            "([x, y]) => document.elementFromPoint(x, y)?.closest('button')?.textContent.trim()",
            [save_box["x"] + save_box["width"] / 2, save_box["y"] + save_box["height"] / 2],
        )
        go_live_input.press_sequentially(go_live, delay=10)
        tab.keyboard.press("Escape")  # closes the picker
        tab.keyboard.press("Escape")  # closes the dialog
        dialog.wait_for(state="hidden")
        kept_after_escape = go_live_input.input_value()
        pending_note = tab.locator(".cg-schedule-pending").inner_text()
        tab.get_by_role("button", name="Set schedule").first.click()
        with tab.expect_navigation():
            save_schedule.click()
        # Saved as a draft with a go-live time; "Schedule to publish" makes it take effect.
        tab.locator("footer .w-dropdown__toggle").first.click()
        with tab.expect_navigation():
            tab.get_by_role("button", name="Schedule to publish").click()
        tab.goto(f"{live_url}/admin/calendar/?view=week&date={go_live[:10]}")
        calendar_entry = tab.locator(".cg-calendar__entry--go-live", has_text="Spring launch")
        calendar_entry.wait_for()
        entry_text = calendar_entry.inner_text()
        entry_href = calendar_entry.locator("a").get_attribute("href")
        calendar_zone = tab.locator("[data-cg-calendar-zone]").inner_text()
        _shot(tab, "calendar-week")
        tab.set_viewport_size({"width": 390, "height": 844})
        tab.wait_for_timeout(300)
        phone_overflow = tab.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        phone_entry_box = calendar_entry.bounding_box()
        _shot(tab, "calendar-phone")
        browser.close()

    assert zone_note == "Times are UTC (UTC+0); your browser is UTC-5."
    assert not _overlap(picker_box, save_box), (picker_box, save_box)
    assert not _overlap(picker_box, input_box), (picker_box, input_box)
    assert save_on_top == "Save schedule"
    assert kept_after_escape == go_live
    assert "not saved yet" in pending_note
    revision = Revision.page_revisions.get(
        object_id=str(page.pk), approved_go_live_at__isnull=False
    )
    assert timezone.localtime(revision.approved_go_live_at).strftime("%Y-%m-%d %H:%M") == go_live
    assert "09:30" in entry_text and "Goes live" in entry_text
    assert entry_href == f"/admin/pages/{page.pk}/edit/"
    assert calendar_zone == "Times are UTC (UTC+00)."
    assert phone_overflow <= 0  # the week fits a phone's width: no sideways scrolling
    assert phone_entry_box["x"] >= 0 and phone_entry_box["x"] + phone_entry_box["width"] <= 390


def test_a_publisher_reviewing_a_page_gets_approve_and_publish_first(
    live_url, home, editor, publisher
) -> None:
    from playwright.sync_api import sync_playwright

    page = StandardPageFactory(parent=home, title="Awaiting review", live=False)
    page.save_revision(user=editor)
    workflow = page.get_workflow()
    assert workflow is not None
    workflow.start(page, editor)
    username = publisher.username

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        tab = browser.new_page(viewport=DESKTOP)
        sign_in_to_admin(tab, live_url, username)
        tab.goto(f"{live_url}/admin/pages/{page.pk}/edit/")
        tab.wait_for_load_state("networkidle")
        primary = tab.locator("footer .button").first  # the footer's primary action
        primary_text = primary.inner_text().strip()
        tab.locator("footer .w-dropdown__toggle").first.click()
        tab.wait_for_timeout(300)
        _shot(tab, "action-menu")
        in_menu = tab.locator("footer .w-dropdown__content").inner_text()
        tab.keyboard.press("Escape")
        with tab.expect_navigation():
            primary.click()
        browser.close()

    assert primary_text == "Approve and publish"
    assert "Save draft" in in_menu
    page.refresh_from_db()
    assert page.live


def test_a_new_page_published_while_its_autosave_is_on_the_way_back(
    live_url, home, publisher
) -> None:
    from playwright.sync_api import sync_playwright

    username = publisher.username
    held = []

    def hold_autosave(route) -> None:
        # The server has made the page; its answer reaches the browser only later.
        if route.request.method == "POST" and "json" in (route.request.headers.get("accept") or ""):
            held.append((route, route.fetch()))
        else:
            route.continue_()

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        tab = browser.new_page(viewport=DESKTOP)
        sign_in_to_admin(tab, live_url, username)
        tab.route("**/admin/pages/add/**", hold_autosave)
        tab.goto(f"{live_url}/admin/pages/add/content/standardpage/{home.pk}/")
        tab.wait_for_load_state("networkidle")
        tab.wait_for_timeout(1_000)  # the form starts watching for changes after it loads
        tab.locator("#id_title").press_sequentially("Autosaved launch", delay=30)
        for _ in range(100):
            if held:
                break
            tab.wait_for_timeout(100)
        autosaved = bool(held)
        tab.locator("footer .w-dropdown__toggle").first.click()
        with tab.expect_navigation():
            tab.get_by_role("button", name="Publish").click()
        messages = tab.locator(".messages").inner_text()
        slug_errors = tab.get_by_text("is already in use").count()
        _shot(tab, "autosave-then-publish")
        for route, response in held:
            route.fulfill(response=response)
        browser.close()

    assert autosaved  # the autosave did create the page before Publish was sent
    assert slug_errors == 0, messages
    assert "published" in messages
    pages = Page.objects.filter(slug="autosaved-launch")
    assert pages.count() == 1
    assert pages.get().live


def test_a_failed_submit_never_shows_saved(live_url, home, publisher) -> None:
    from playwright.sync_api import sync_playwright

    index = ArticleIndexPageFactory(parent=home, title="News")
    page = ArticlePageFactory(parent=index, title="Half done", live=False)
    username = publisher.username

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        tab = browser.new_page(viewport=DESKTOP)
        sign_in_to_admin(tab, live_url, username)
        tab.goto(f"{live_url}/admin/pages/{page.pk}/edit/")
        tab.wait_for_load_state("networkidle")
        # The summary is required to publish, not for a draft (Wagtail defers it there).
        tab.locator("#id_summary").fill("")
        tab.locator("footer .w-dropdown__toggle").first.click()
        with tab.expect_navigation():
            tab.get_by_role("button", name="Publish").click()
        banner = tab.locator(".messages").inner_text()
        tab.wait_for_timeout(3_000)  # longer than autosave's wait (500 ms) and its round trip
        indicator = tab.locator("#w-autosave-indicator")
        state = indicator.get_attribute("data-w-autosave-state-value")
        shown = indicator.locator(".w-autosave-indicator__state:visible").all_inner_texts()
        _shot(tab, "failed-submit")
        browser.close()

    assert "could not be" in banner
    assert state != "saved"
    assert [text.strip() for text in shown] == ["Not saved"]
    page.refresh_from_db()
    assert not page.live
