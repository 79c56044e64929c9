"""A real Chromium on the live server: a visitor's form submission and an editor's workflow.

Database work stays outside ``sync_playwright()``: Playwright runs an event loop in this
thread, and Django refuses ORM calls while one runs.
"""

from wagtail.contrib.forms.models import FormSubmission
from wagtail.models import Page

from ..browser import BROWSER_TEST, launch_chromium
from ..conftest import sign_in_to_admin
from .factories import LandingPageFactory, StandardPageFactory

pytestmark = BROWSER_TEST


def test_visitor_fills_in_the_landing_page_form(live_url, home) -> None:
    from playwright.sync_api import sync_playwright

    landing = LandingPageFactory(parent=home, title="Browser launch")
    url = live_url + landing.url

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        tab = browser.new_page()
        tab.goto(url)
        tab.fill("[name=full_name]", "Ada Lovelace")
        tab.fill("[name=email]", "ada@example.com")
        tab.select_option("[name=interest]", "Partnership")
        tab.fill("[name=message]", "From a real browser")
        with tab.expect_navigation():
            tab.locator("form[data-form] button[type=submit]").click()
        thanked = tab.get_by_text("Thank you").count() > 0
        browser.close()

    assert thanked
    submission = FormSubmission.objects.get(page=landing)
    assert submission.get_data()["message"] == "From a real browser"


def test_editor_signs_in_and_submits_for_approval(live_url, home, editor) -> None:
    from playwright.sync_api import sync_playwright

    page = StandardPageFactory(parent=home, title="Browser draft", live=False)
    username = editor.username

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        tab = browser.new_page()
        sign_in_to_admin(tab, live_url, username)
        tab.goto(f"{live_url}/admin/pages/{page.pk}/edit/")
        tab.wait_for_load_state("networkidle")
        publish_buttons = tab.locator('button[name="action-publish"]').count()
        # The button sits in the footer's action menu: open it, then click.
        tab.locator("footer .w-dropdown__toggle").first.click(timeout=10_000)
        with tab.expect_navigation():
            tab.get_by_role("button", name="Submit to Marketing approval").click(timeout=10_000)
        browser.close()

    assert publish_buttons == 0  # an editor is never offered "Publish"
    page = Page.objects.get(pk=page.pk)
    assert page.workflow_in_progress
    assert not page.live
