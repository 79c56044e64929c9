"""Issue 12's acceptance, in a real browser as the two leads would: the CMO reads the
scorecard and a glossary explanation on the analytics dashboard, proposes a joint goal
through the goal form (it waits for the IT Lead, and the CMO is offered no Accept), then the
CIO, in a browser of their own, finds the proposal on the home screen, accepts it, and sees
the joint goal in the home screen's Common ground panel and on the scorecard.

Chromium (Debian's) talks to granian; the dashboard's queries go to the real mover, over a
site without events (the key figures are zeros, their labels explained all the same).
Screenshots of the scorecard, the proposal and the home screen, at 1280 px and at a phone's
390 px, go to test-artifacts/.
"""

import re
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractUser

from commonground.alignment.models import GlossaryTerm, Goal, GoalProposal
from commonground.analytics.models import TrackedSite

from ..analytics.served_store import serving_mover
from ..browser import BROWSER_TEST, hover_until_shown, launch_chromium
from ..conftest import sign_in_to_admin

pytestmark = BROWSER_TEST

SITE = "alignment-browser.example"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
GOAL_NAME = "Checkout conversion, both sides"
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def test_the_leads_agree_a_joint_goal_in_the_browser(
    live_url: str, cmo: AbstractUser, cio: AbstractUser, tmp_path: Path
) -> None:
    TrackedSite.objects.create(domain=SITE, name="Alignment browser test", time_zone="UTC")
    bounce = GlossaryTerm.objects.get(slug="bounce-rate")
    with serving_mover(log_dir=tmp_path):
        seen = _drive_browser(live_url, cmo.username, cio.username)

    assert not seen["errors"], seen["errors"]
    # 1. The scorecard, then the glossary's explanation: the seeded text, only while wanted.
    assert seen["scorecard_heading"] is True
    assert seen["tip_name"] == bounce.term
    assert seen["tip_sides"] == [
        f"For marketing: {bounce.for_marketing}",
        f"For IT: {bounce.for_it}",
    ]
    assert seen["tip_visible"] == {
        "before": False,
        "hovered": True,
        "moved_away": False,
        "focused": True,
        "blurred": False,
    }
    # 2. The joint goal is a proposal awaiting the IT Lead, not yet on the scorecard.
    assert "/admin/alignment/proposals/" in seen["proposal_url"]
    assert "Awaiting the other lead." in seen["proposal_text"]
    assert "It takes effect when the IT Lead accepts it" in seen["proposal_text"]
    assert "Waiting for the IT Lead" in seen["proposal_text"]
    assert seen["cmo_accept_buttons"] == 0  # 4. nobody is offered their own proposal
    assert seen["cmo_withdraw_buttons"] == 1
    assert seen["scorecard_lists_proposal"] is True
    assert seen["scorecard_rows_before"] == 0
    # 3. The CIO finds it on the home screen, accepts it, and sees the joint goal.
    assert seen["cio_home_waiting"] == f"New goal: {GOAL_NAME}"
    assert seen["cio_accept_buttons"] == 1
    assert "is on the scorecard" in seen["accepted_message"]
    goal = Goal.objects.get(name=GOAL_NAME)
    assert (goal.side, goal.owner, goal.archived) == ("joint", cmo, False)
    assert GoalProposal.objects.get(goal=goal).status == "accepted"
    assert seen["home_joint_goals"] == [GOAL_NAME]
    assert seen["scorecard_joint_rows"] == [GOAL_NAME]
    for name in ("scorecard", "proposal", "home"):
        for width in (1280, 390):
            assert (ARTIFACTS / f"alignment-{name}-{width}.png").stat().st_size > 0
    # On a phone, nothing on those pages is wider than the screen.
    assert seen["phone_overflow"] == {"scorecard": 0, "proposal": 0, "home": 0}, seen


def _drive_browser(live_url: str, cmo: str, cio: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    seen: dict[str, Any] = {"errors": errors, "phone_overflow": {}}
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, "--disable-background-networking")

        # 1. The CMO signs in, opens the scorecard, then hovers a key figure's label.
        cmo_context = browser.new_context(viewport=WIDE)
        tab = cmo_context.new_page()
        tab.on("pageerror", lambda error: errors.append(str(error)))
        sign_in_to_admin(tab, live_url, cmo)
        tab.goto(f"{live_url}/admin/alignment/")
        seen["scorecard_heading"] = tab.locator("h1", has_text="Shared scorecard").is_visible()

        tab.goto(f"{live_url}/admin/analytics/?site={SITE}")
        card = tab.locator('.cg-kpi[data-term="bounce-rate"]')
        card.wait_for(timeout=60_000)
        tip = card.locator('[role="tooltip"]')
        visible: dict[str, bool] = {}
        tab.mouse.move(0, 0)
        visible["before"] = tip.is_visible()
        hover_until_shown(tab, card.locator(".cg-kpi-label"), tip)
        visible["hovered"] = tip.is_visible()
        seen["tip_name"] = (tip.locator(".cg-term-tip-name").text_content() or "").strip()
        seen["tip_sides"] = [
            " ".join(text.split()) for text in tip.locator(".cg-term-tip-side").all_text_contents()
        ]
        tab.mouse.move(0, 0)
        tip.wait_for(state="hidden", timeout=5_000)
        visible["moved_away"] = tip.is_visible()
        card.focus()
        tip.wait_for(state="visible", timeout=5_000)
        visible["focused"] = tip.is_visible()
        card.evaluate("(card) => card.blur()")
        tip.wait_for(state="hidden", timeout=5_000)
        visible["blurred"] = tip.is_visible()
        seen["tip_visible"] = visible

        # 2. A joint goal through the goal form: a proposal awaiting the IT Lead.
        tab.goto(f"{live_url}/admin/alignment/goals/new/")
        tab.fill("[name=name]", GOAL_NAME)
        tab.select_option("[name=side]", "joint")
        tab.select_option("[name=metric]", "manual.check_in")
        tab.fill("[name=param_series]", "checkout-conversion")
        tab.select_option("[name=period_kind]", "quarter")
        tab.fill("[name=target_value]", "3.5")
        tab.fill("[name=reason]", "Marketing brings the visitors; IT keeps checkout fast.")
        tab.get_by_role("button", name="Save goal").click()
        tab.wait_for_url(re.compile(r".*/admin/alignment/proposals/\d+/$"))
        seen["proposal_url"] = tab.url
        seen["proposal_text"] = tab.locator("main").inner_text()
        seen["cmo_accept_buttons"] = tab.get_by_role("button", name="Accept").count()
        seen["cmo_withdraw_buttons"] = tab.get_by_role("button", name="Withdraw").count()
        _screenshots(tab, "proposal", seen)

        tab.goto(f"{live_url}/admin/alignment/")
        seen["scorecard_lists_proposal"] = (
            tab.locator(".cg-proposals", has_text=GOAL_NAME).count() == 1
        )
        seen["scorecard_rows_before"] = tab.locator("tr[data-goal]", has_text=GOAL_NAME).count()
        cmo_context.close()

        # 3. The CIO, in a browser of their own: the home screen says what waits for them.
        cio_context = browser.new_context(viewport=WIDE)
        tab = cio_context.new_page()
        tab.on("pageerror", lambda error: errors.append(str(error)))
        sign_in_to_admin(tab, live_url, cio)
        waiting = tab.locator("[data-alignment-home] a", has_text=GOAL_NAME)
        seen["cio_home_waiting"] = waiting.inner_text().strip()
        waiting.click()
        tab.wait_for_url(re.compile(r".*/admin/alignment/proposals/\d+/$"))
        accept = tab.get_by_role("button", name="Accept")
        seen["cio_accept_buttons"] = accept.count()
        accept.click()
        tab.wait_for_url(re.compile(r".*/admin/alignment/goals/\d+/$"))
        seen["accepted_message"] = tab.locator(".messages").inner_text()

        tab.goto(f"{live_url}/admin/")
        seen["home_joint_goals"] = [
            text.strip()
            for text in tab.locator('[data-alignment-home] [data-side="joint"] a').all_inner_texts()
        ]
        _screenshots(tab, "home", seen)

        tab.goto(f"{live_url}/admin/alignment/")
        seen["scorecard_joint_rows"] = [
            text.strip()
            for text in tab.locator(
                '.cg-side[data-side="joint"] tr[data-goal] th a[href*="/goals/"]'
            ).all_inner_texts()
        ]
        _screenshots(tab, "scorecard", seen)
        browser.close()
    return seen


def _screenshots(tab: Any, name: str, seen: dict[str, Any]) -> None:
    """``name`` at 1280 px and at 390 px, noting how far the phone's page is too wide."""
    tab.set_viewport_size(WIDE)
    tab.screenshot(path=str(ARTIFACTS / f"alignment-{name}-1280.png"), full_page=True)
    tab.set_viewport_size(PHONE)
    tab.wait_for_timeout(1_000)  # the admin's sidebar slides shut when the screen narrows
    seen["phone_overflow"][name] = tab.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )
    tab.screenshot(path=str(ARTIFACTS / f"alignment-{name}-390.png"), full_page=True)
    tab.set_viewport_size(WIDE)
