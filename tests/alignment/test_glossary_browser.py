"""A real browser reads a glossary explanation on the analytics dashboard: the CMO hovers a
key figure's label, then reaches a term with the keyboard (Tab), and Escape hides it.

Chromium (Debian's) talks to granian; the dashboard's queries go to the real mover, over a
site without events (the key figures are zeros, their labels explained all the same).
"""

from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractUser

from commonground.alignment.models import GlossaryTerm
from commonground.analytics.models import TrackedSite

from ..analytics.served_store import serving_mover
from ..browser import BROWSER_TEST, hover_until_shown, launch_chromium
from ..conftest import sign_in_to_admin

pytestmark = BROWSER_TEST

SITE = "glossary-browser.example"
ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "glossary-tooltip.png"


def test_the_cmo_reads_a_terms_explanation_by_hover_and_by_keyboard(
    live_url: str, cmo: AbstractUser, tmp_path: Path
) -> None:
    TrackedSite.objects.create(domain=SITE, name="Glossary browser test", time_zone="UTC")
    bounce = GlossaryTerm.objects.get(slug="bounce-rate")
    funnel = GlossaryTerm.objects.get(slug="funnel")
    with serving_mover(log_dir=tmp_path):
        seen = _drive_browser(live_url, cmo.username)

    assert not seen["errors"], seen["errors"]
    # Hover: the card's explanation shows, and it is what describes the card.
    assert seen["hidden_before"] is True
    assert bounce.for_marketing in seen["hovered"] and bounce.for_it in seen["hovered"]
    assert seen["described_by_tooltip"] is True
    # Keyboard: Tab reaches a term, whose explanation shows while it has focus.
    assert seen["focused_term"], "Tab never reached a glossary term"
    assert seen["focused_text"] and "For marketing:" in seen["focused_text"]
    assert seen["escaped_hidden"] is True
    # The server-drawn term (the funnel panel's title) works the same way.
    assert funnel.for_it in seen["funnel_text"]
    box = seen["phone_box"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert box["y"] >= 0 and box["y"] + box["height"] <= 844, box


def _drive_browser(live_url: str, username: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    seen: dict[str, Any] = {"errors": errors}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, "--disable-background-networking")
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        tab.on("pageerror", lambda error: errors.append(str(error)))
        sign_in_to_admin(tab, live_url, username)
        tab.goto(f"{live_url}/admin/analytics/?site={SITE}")

        card = tab.locator('.cg-kpi[data-term="bounce-rate"]')
        card.wait_for(timeout=60_000)
        tip = card.locator('[role="tooltip"]')
        seen["hidden_before"] = not tip.is_visible()
        hover_until_shown(tab, card, tip)
        # Read as it stands (a redraw after the hover would hide the new copy's tip).
        seen["hovered"] = tip.text_content() or ""
        seen["described_by_tooltip"] = card.evaluate(
            "(card) => document.getElementById(card.getAttribute('aria-describedby'))"
            " === card.querySelector('[role=tooltip]')"
        )
        ARTIFACT.parent.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACT))
        tab.mouse.move(0, 0)

        # From the top of the page, Tab until a glossary term has the focus.
        tab.locator("#cg-site").focus()
        seen["focused_term"] = None
        for _ in range(60):
            tab.keyboard.press("Tab")
            focused = tab.evaluate(
                "() => { const el = document.activeElement;"
                " const term = el && el.closest('[data-term]');"
                " return term && el.getAttribute('aria-describedby') ? term.dataset.term : null; }"
            )
            if focused:
                seen["focused_term"] = focused
                break
        if seen["focused_term"]:
            shown = tab.locator(":focus").evaluate(
                "(el) => { const id = el.getAttribute('aria-describedby');"
                " const tip = document.getElementById(id);"
                " return tip.checkVisibility() ? tip.innerText : null; }"
            )
            seen["focused_text"] = shown
            tab.keyboard.press("Escape")
            seen["escaped_hidden"] = tab.locator(":focus").evaluate(
                "(el) => !document.getElementById(el.getAttribute('aria-describedby'))"
                ".checkVisibility()"
            )

        funnel = tab.locator('#cg-funnel-title [data-term="funnel"]')
        funnel.locator(".cg-term-label").hover()
        funnel_tip = funnel.locator('[role="tooltip"]')
        funnel_tip.wait_for(state="visible", timeout=5_000)
        seen["funnel_text"] = funnel_tip.inner_text()

        # On a phone the explanation spans the screen's width, whatever the label's place.
        tab.mouse.move(0, 0)
        tab.set_viewport_size({"width": 390, "height": 844})
        funnel.locator(".cg-term-label").scroll_into_view_if_needed()
        funnel.locator(".cg-term-label").hover()
        funnel_tip.wait_for(state="visible", timeout=5_000)
        seen["phone_box"] = funnel_tip.bounding_box()
        browser.close()
    return seen
