"""Two-factor sign-in in a real Chromium on the live server: an IT administrator's first
sign-in (set-up), and the next one (a code), as a person goes through them.

Database work stays outside ``sync_playwright()``: Playwright runs an event loop in this
thread, and Django refuses ORM calls while one runs.
"""

import re
from base64 import b32decode

from django_otp.plugins.otp_totp.models import TOTPDevice

from commonground.core.roles import IT_ADMINISTRATOR

from ...browser import BROWSER_TEST, launch_chromium
from ...core.factories import PASSWORD, UserFactory, app_code

pytestmark = BROWSER_TEST


def sign_in_with_password(tab, live_url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    tab.goto(f"{live_url}/admin/login/")
    tab.fill("[name=username]", username)
    tab.fill("[name=password]", PASSWORD)
    tab.locator("form button[type=submit]").first.click()


def test_an_it_admin_sets_up_two_factor_then_signs_in_with_a_code(live_url) -> None:
    from playwright.sync_api import sync_playwright

    username = UserFactory(roles=[IT_ADMINISTRATOR]).username

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        tab = browser.new_page()
        sign_in_with_password(tab, live_url, username)
        tab.wait_for_url(f"{live_url}/admin/two-factor/")
        assert "IT administrators need it" in tab.locator(".messages").inner_text()
        tab.goto(f"{live_url}/admin/governance/requests/")
        tab.wait_for_url(re.compile(r"/admin/two-factor/"))
        assert tab.locator("[data-qr-code] svg").count() == 1

        # "Scanning": the app reads the same secret the page prints.
        secret = tab.locator("[data-totp-secret]").inner_text().replace(" ", "")
        key = b32decode(secret).hex()
        enrolment_code = app_code(key)
        tab.fill("[name=code]", enrolment_code)
        tab.get_by_role("button", name="Turn on two-factor sign-in").click()
        tab.wait_for_url(re.compile(r"/admin/two-factor/backup-codes/"))
        assert tab.locator("[data-backup-codes] li").count() == 10
        tab.get_by_role("link", name="I have saved them: continue").click()
        tab.wait_for_url(f"{live_url}/admin/governance/requests/")

        tab.goto(f"{live_url}/admin/")
        tab.locator(".sidebar-footer__account").click()
        tab.get_by_text("Log out", exact=True).click()
        tab.wait_for_url(re.compile(r"/admin/login/"))

        sign_in_with_password(tab, live_url, username)
        tab.wait_for_url(re.compile(r"/admin/two-factor/verify/"))
        tab.goto(f"{live_url}/admin/")  # nothing else opens without the code
        tab.wait_for_url(re.compile(r"/admin/two-factor/verify/"))
        tab.fill("[name=code]", enrolment_code)
        tab.get_by_role("button", name="Verify").click()
        tab.wait_for_load_state()
        refused = tab.locator(".error-message").inner_text()
        assert "used already" in refused
        tab.wait_for_timeout(1100)  # a wrong code makes the next one wait a second
        tab.fill("[name=code]", app_code(key, steps_ahead=1))
        tab.get_by_role("button", name="Verify").click()
        tab.wait_for_url(f"{live_url}/admin/")
        tab.goto(f"{live_url}/admin/governance/security/")
        two_factor_row = tab.locator('[data-posture-check="Two-factor sign-in"]')
        assert two_factor_row.get_attribute("data-status") == "ok"
        browser.close()

    assert TOTPDevice.objects.get(user__username=username).confirmed
