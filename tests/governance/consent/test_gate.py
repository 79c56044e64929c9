"""The consent gate on an editor's HTML, element type by element type, read as a browser
reads it: html5lib parses what the gate returns again (as Chromium would) and the test
looks, in that tree, for any attribute or CSS that would still load from the held host.
The browser test (test_consent_browser.py) checks the same types against Chromium."""

from typing import Any

import html5lib
import pytest

from commonground.governance.consent.gate import css_urls, hold_for_consent, loading_host

HELD = "pixel.ads.test"
V = f"http://{HELD}"


def purpose_for_host(host: str) -> str | None:
    return {HELD: "marketing", "hm.test": "analytics"}.get(host)


def _tree(html: str) -> Any:
    return html5lib.parseFragment(
        html, treebuilder="etree", namespaceHTMLElements=False, scripting=True
    )


def _live_urls(html: str) -> list[str]:
    """What the browser could load from the held host in ``html``: every attribute that is
    not a data-consent-* one and names it, and every <style> that still applies and names
    it. (Named loosely, "pixel" in any case, so obfuscated forms count too.)"""
    found = []
    for element in _tree(html).iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            live = not name.startswith("data-consent-") and name != "srcdoc"
            if live and "pixel" in value.lower():
                found.append(f"{element.tag} {name}")
        is_style = element.tag.endswith("style")
        text = (element.text or "").lower()  # a held sheet's text is in data-consent-css
        if is_style and element.get("type") != "text/plain" and "pixel" in text:
            found.append(f"{element.tag} text")
        if element.tag == "iframe" and "srcdoc" in element.attrib:
            found += _live_urls(element.attrib["srcdoc"])
    return found


CASES = {
    "picture source srcset": f'<picture><source srcset="{V}/a.gif 1x, /b.gif 2x">'
    '<img src="/x.gif" alt=""></picture>',
    "img src": f'<img src="{V}/i.gif" alt="">',
    "img srcset": f'<img srcset="/a.gif 1x, {V}/b.gif 2x" alt="">',
    "css background-image": f'<div style="background-image: url({V}/bg.gif)">x</div>',
    "css escaped url()": f'<div style="background:u\\72l({V}/bg.gif)">x</div>',
    "css escaped host": '<div style="background:url(http://pixel\\2e ads.test/bg.gif)">x</div>',
    "css image-set string": f'<div style="background-image:image-set(&quot;{V}/s.gif&quot; 1x)">'
    "x</div>",
    "video poster": f'<video poster="{V}/p.gif" controls></video>',
    "video src": f'<video src="{V}/v.mp4"></video>',
    "video source and track": f'<video><source src="{V}/v.mp4" type="video/mp4">'
    f'<track kind="captions" src="{V}/t.vtt" default></video>',
    "audio src": f'<audio src="{V}/a.mp3" controls></audio>',
    "input type=image": f'<input type="image" src="{V}/b.gif" alt="Go">',
    "link stylesheet": f'<link rel="stylesheet" href="{V}/s.css">',
    "link preload imagesrcset": f'<link rel="preload" as="image" href="/x.gif" '
    f'imagesrcset="{V}/p.gif 1x">',
    "link icon": f'<link rel="icon" href="{V}/favicon.ico">',
    "style url()": f"<style>.hero {{ background: url('{V}/h.gif') }}</style>",
    "style @import": f'<style>@import "{V}/i.css"; p {{ color: red }}</style>',
    "style @font-face": f"<style>@font-face {{ font-family: x; src: url({V}/f.woff2) }}</style>",
    "object data": f'<object data="{V}/o.html" type="text/html"></object>',
    "embed src": f'<embed src="{V}/e.html" type="text/html">',
    "iframe src": f'<iframe src="{V}/frame"></iframe>',
    "script src": f'<script src="{V}/p.js"></script>',
    "table background": f'<table background="{V}/t.gif"><tr><td>x</td></tr></table>',
    "a ping": f'<a href="/next" ping="/count {V}/ping">next</a>',
    "svg image": f'<svg><image href="{V}/s.gif" width="1" height="1"/></svg>',
    "svg xlink:href": f'<svg><image xlink:href="{V}/x.gif" width="1" height="1"/></svg>',
    "svg style": f"<svg><style>rect {{ fill: url({V}/p.svg#a) }}</style></svg>",
    "iframe srcdoc": f'<iframe srcdoc="&lt;img src={V}/sd.gif&gt;"></iframe>',
    "tab in scheme": '<img src="ht\ttp://pixel.ads.test/tab.gif" alt="">',
    "backslashes": '<img src="http:\\\\pixel.ads.test\\bs.gif" alt="">',
    "protocol-relative": '<img src="//pixel.ads.test/pr.gif" alt="">',
    "percent-encoded host": '<img src="http://pixel%2Eads.test/pe.gif" alt="">',
    "entity in URL": '<img src="http&#x3a;//pixel.ads.test/en.gif" alt="">',
    "upper-case scheme and host": '<img src="HTTP://PIXEL.ADS.TEST/uc.gif" alt="">',
}


@pytest.mark.parametrize("html", CASES.values(), ids=CASES.keys())
def test_every_way_of_loading_from_the_held_host_is_made_inert(html: str) -> None:
    assert _live_urls(html), "the case itself loads from the held host"
    gated = hold_for_consent(html, purpose_for_host)
    assert _live_urls(gated) == []
    assert 'data-consent-purpose="marketing"' in gated or "data-consent-purpose=" in gated


def test_what_needs_no_consent_is_left_to_load() -> None:
    html = (
        '<p>Text &amp; <b>bold</b></p><img src="https://first.test/x.png" alt="">'
        '<div style="color: red; background: url(/local.gif)">x</div>'
        "<style>p { color: blue }</style><script src='/own.js'></script>"
    )
    gated = hold_for_consent(html, purpose_for_host)
    assert "data-consent" not in gated
    assert '<img src="https://first.test/x.png" alt="">' in gated
    assert '<div style="color: red; background: url(/local.gif)">' in gated
    assert "<style>p { color: blue }</style>" in gated


def test_an_element_from_two_purposes_waits_for_both() -> None:
    html = f'<img src="{V}/a.gif" srcset="http://hm.test/b.gif 2x" alt="">'
    gated = hold_for_consent(html, purpose_for_host)
    assert 'data-consent-purpose="analytics marketing"' in gated


def test_a_held_script_and_style_neither_run_nor_apply_and_keep_their_type() -> None:
    gated = hold_for_consent(
        f'<script type="module" src="{V}/m.js"></script>'
        f'<style media="print">@import url({V}/p.css);</style>',
        purpose_for_host,
    )
    assert (
        f'<script data-consent-type="module" data-consent-src="{V}/m.js" type="text/plain" '
        'data-consent-purpose="marketing"></script>'
    ) in gated
    assert (
        f'<style media="print" data-consent-css="@import url({V}/p.css);" type="text/plain" '
        'data-consent-purpose="marketing"></style>'
    ) in gated


def test_an_editors_own_consent_attributes_are_dropped() -> None:
    """consent.js restores data-consent-* attributes: an editor's must never reach it."""
    gated = hold_for_consent(
        '<p data-consent-onclick="alert(1)" data-consent-purpose="marketing" '
        'DATA-CONSENT-SRC="x">t</p>',
        purpose_for_host,
    )
    assert gated == "<p>t</p>"


def test_markup_is_read_as_a_browser_reads_it() -> None:
    """HTMLParser and browsers disagree here; the gate follows the browser."""
    # A comment that ends at once ("<!-->"), so the image is markup, not commentary.
    gated = hold_for_consent(f'<!--><img src="{V}/c.gif">-->', purpose_for_host)
    assert _live_urls(gated) == []
    # With scripting on, <noscript> is text: nothing in it becomes an element.
    noscript = f'<noscript><p title="</noscript><img src={V}/n.gif>"></noscript>'
    assert _live_urls(hold_for_consent(noscript, purpose_for_host)) == []
    # An unquoted attribute value that ends at ">" not at a quote.
    assert _live_urls(hold_for_consent(f"<img alt=x src={V}/u.gif>", purpose_for_host)) == []


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://pixel.ads.test/x", HELD),
        ("  \x01https://pixel.ads.test/x", HELD),
        ("ht\ntps://pixel.ads.test/x", HELD),
        ("https:pixel.ads.test/x", HELD),
        ("https:\\\\pixel.ads.test\\x", HELD),
        ("///pixel.ads.test/x", HELD),
        ("https://user:pw@pixel.ads.test:8443/x", HELD),
        ("/relative.gif", None),
        ("data:image/gif;base64,R0lG", None),
        ("mailto:a@pixel.ads.test", None),
    ],
)
def test_the_host_a_url_loads_from_is_read_as_the_url_standard_does(
    url: str, host: str | None
) -> None:
    assert loading_host(url) == host


def test_css_urls_include_strings_and_escapes() -> None:
    text = '@import "a.css"; p { background: u\\72l(b.gif), image-set(url(c.gif) 1x) }'
    assert sorted(css_urls(text)) == ["a.css", "b.gif", "c.gif"]


def test_frames_nested_past_three_levels_lose_their_srcdoc() -> None:
    html = f"<img src={V}/deep.gif>"
    for _ in range(5):
        html = f'<iframe srcdoc="{html.replace("&", "&amp;").replace(chr(34), "&quot;")}"></iframe>'
    gated = hold_for_consent(html, purpose_for_host)
    assert _live_urls(gated) == []
    assert gated.count("srcdoc") == 3


@pytest.mark.parametrize(
    "markup",
    [
        '<video poster="https://ads.example/p.jpg"></video>',
        '<picture><source srcset="https://ads.example/a.jpg 1x"></picture>',
        '<input type="image" src="https://ads.example/b.png">',
        '<link rel="stylesheet" href="https://ads.example/s.css">',
        '<div style="background-image:url(https://ads.example/bg.png)">x</div>',
        "<style>@import 'https://ads.example/i.css';</style>",
        '<audio><track src="https://ads.example/t.vtt"></audio>',
    ],
)
def test_what_the_gate_holds_the_scan_still_lists_as_loaded_after_consent(markup: str) -> None:
    # The shadow-IT scan reads the held page: each held URL is the vendor's, after consent.
    from commonground.governance.csp.third_party import inspect_html

    held = hold_for_consent(markup, lambda host: "marketing" if host == "ads.example" else None)
    findings = inspect_html(held)
    assert not [found for found in findings.references if found.host == "ads.example"], held
    assert [found.host for found in findings.held] == ["ads.example"], held
    assert findings.held[0].element.endswith("after consent")
