"""The stored-XSS corpus, saved through every content field and block, loaded in Chromium on
the public pages and in the admin (draft view, edit view, page listing) with the site's CSP
in report-only mode, so the policy blocks nothing: no payload may run.

Three detectors: the page binding ``xss(n)`` the payloads call, dialogs (the payloads that
cannot call the binding call alert()), and the marker some payloads set on the body. And,
because a handler that needs a click never fires by itself, the DOM is searched for any
payload left in a place that runs (an on* attribute, srcdoc, a javascript: or data: URL, a
script). A canary that does run proves the detectors see what runs.

Database work stays outside ``sync_playwright()`` (Django refuses ORM calls in its loop).
"""

from typing import Any

from wagtail.models import Site

from commonground.governance.models import SecuritySettings

from ..browser import BROWSER_TEST, launch_chromium
from ..conftest import sign_in_to_admin
from ..governance.factories import registered_technology
from .factories import ContentImageFactory
from .stored_xss import payloads, store_corpus

pytestmark = BROWSER_TEST

LIVE_PAYLOADS = r"""() => {
    const found = [];
    const URL_ATTRIBUTES = new Set(['href', 'xlink:href', 'src', 'srcset', 'action',
        'formaction', 'data', 'poster', 'background', 'cite', 'ping', 'codebase',
        'data-consent-src', 'data-consent-srcset', 'data-embed-url']);
    const visit = (doc) => {
        for (const el of doc.querySelectorAll('*')) {
            for (const attribute of el.attributes) {
                if (!attribute.value.includes('xss')) continue;
                const name = attribute.name.toLowerCase();
                const url = attribute.value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
                if (name.startsWith('on') || name === 'srcdoc'
                    || (URL_ATTRIBUTES.has(name) && /^(javascript|vbscript|data):/.test(url))
                    || (name === 'style' && /expression|javascript:/.test(url))) {
                    found.push(`${el.tagName} ${name}=${attribute.value.slice(0, 80)}`);
                }
            }
            const tag = el.tagName.toLowerCase();
            const data = tag === 'script' && /json/i.test(el.getAttribute('type') || '');
            if ((tag === 'script' || tag === 'style') && !data && el.textContent.includes('xss')) {
                found.push(`${tag}: ${el.textContent.slice(0, 80)}`);
            }
        }
        for (const frame of doc.querySelectorAll('iframe')) {
            try { if (frame.contentDocument) visit(frame.contentDocument); } catch (e) {}
        }
    };
    visit(document);
    return found;
}"""
CANARY = """() => document.body.insertAdjacentHTML('beforeend',
    '<img src=x onerror=xss(0)><iframe srcdoc="<script>parent.xss(-1)</script>"></iframe>')"""


def test_no_stored_payload_runs_on_the_public_pages_or_in_the_admin(
    live_url: str, home: Any, editor: Any, it_admin: Any
) -> None:
    from playwright.sync_api import sync_playwright

    site = Site.objects.get(is_default_site=True)
    SecuritySettings.objects.update_or_create(
        site=site, defaults={"csp_mode": SecuritySettings.CspMode.REPORT_ONLY}
    )
    registered_technology(
        it_admin, name="YouTube", hosts={"frame-src": ["www.youtube-nocookie.com"]}
    )
    stored = store_corpus(home, ContentImageFactory())
    public = [live_url + page.url for page in stored.pages]
    admin = [f"{live_url}/admin/pages/{page.pk}/view_draft/" for page in stored.pages]
    # The edit form shows each field's value: one page of each type without the long body.
    editable = {
        type(page): page for page in reversed(stored.pages) if not getattr(page, "body", None)
    }
    admin += [f"{live_url}/admin/pages/{page.pk}/edit/" for page in editable.values()]
    parents = {page.get_parent().pk for page in stored.pages}
    admin += [f"{live_url}/admin/pages/{pk}/" for pk in parents]
    username = editor.username

    ran: list[tuple[str, Any]] = []
    live: list[tuple[str, str]] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context()
        context.expose_binding("xss", lambda source, n: ran.append((source["frame"].url, n)))
        tab = context.new_page()
        tab.on("dialog", lambda dialog: (ran.append((tab.url, dialog.message)), dialog.dismiss()))

        first = tab.goto(public[0])
        assert first is not None
        headers = first.headers
        tab.evaluate(CANARY)
        tab.wait_for_timeout(500)
        canary = sorted(n for _, n in ran)
        ran.clear()

        for url in public:
            _load(tab, url, live)
        sign_in_to_admin(tab, live_url, username)
        for url in admin:
            _load(tab, url, live)
        browser.close()

    assert "content-security-policy-report-only" in headers
    assert "content-security-policy" not in headers
    assert canary == [-1, 0], "the detectors see a payload that runs"
    assert ran == []
    assert live == []
    tally = stored.tally
    print(
        f"\n{len(payloads())} payloads x {len(tally.fields)} fields and blocks: "
        f"{sum(tally.refused.values())} refused on save, {sum(tally.stored.values())} stored "
        f"and rendered inert on {len(public)} public pages and {len(admin)} admin views"
    )
    for where in tally.fields:
        print(f"  {where}: {tally.refused[where]} refused, {tally.stored[where]} stored")


def _load(tab: Any, url: str, live: list[tuple[str, str]]) -> None:
    response = tab.goto(url, wait_until="load")
    assert response is not None and response.status == 200, url
    tab.wait_for_timeout(100)  # animations begin, details toggle, media error out
    marker = tab.evaluate("() => document.body.dataset.xssRan || ''")
    if marker:
        live.append((url, f"marker {marker}"))
    live += [(url, found) for found in tab.evaluate(LIVE_PAYLOADS)]
