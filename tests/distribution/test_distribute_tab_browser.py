"""The Distribute tab in a real Chromium: an editor plans a post, the length is counted live
as the network counts it, and the plan is saved with the page's draft."""

from wagtail.models import Page

from commonground.content.models import StandardPage
from commonground.distribution.models import PlannedChannel

from ..browser import BROWSER_TEST, launch_chromium
from ..conftest import sign_in_to_admin
from ..content.factories import StandardPageFactory

ARTIFACT = "test-artifacts/distribute-tab.png"

pytestmark = BROWSER_TEST


def test_an_editor_plans_a_post_and_sees_its_length_live(live_url, home: Page, editor) -> None:
    from playwright.sync_api import expect, sync_playwright

    page = StandardPageFactory(parent=home, title="Spring launch", slug="spring")
    username = editor.username
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        tab = browser.new_page(viewport={"width": 1280, "height": 1100})
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        sign_in_to_admin(tab, live_url, username)
        tab.goto(f"{live_url}/admin/pages/{page.pk}/edit/")
        tab.get_by_role("tab", name="Distribute").click()
        tab.get_by_role("button", name="Add channel").click()
        tab.locator("select[name='distribution-0-channel']").select_option("linkedin")
        text = tab.locator("textarea[name='distribution-0-text']")
        text.fill("Spring is here 🌱 " * 10)
        counter = tab.locator(".cg-post-counter").first
        expect(counter).to_contain_text("/ 3000 characters on LinkedIn")
        short = counter.inner_text()
        text.fill("x" * 2990)
        expect(counter).to_have_class("cg-post-counter help error-message")
        text.fill("Spring is here, for LinkedIn.")
        expect(counter).not_to_have_class("cg-post-counter help error-message")
        tab.screenshot(path=ARTIFACT, full_page=True)
        with tab.expect_navigation():
            tab.get_by_role("button", name="Save draft").click()
        browser.close()

    assert not errors, errors
    # 17 graphemes x 10 (the seedling is one) plus the page's link on its own line.
    assert int(short.split(" /")[0]) == 10 * 17 + 1 + 70
    draft = StandardPage.objects.get(pk=page.pk).get_latest_revision_as_object()
    rows = list(draft.distribution.all())
    assert [(row.channel, row.text) for row in rows] == [
        ("linkedin", "Spring is here, for LinkedIn.")
    ]
    assert not PlannedChannel.objects.filter(page=page).exists()  # a draft until published
