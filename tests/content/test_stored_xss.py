"""The stored-XSS corpus on save: the HTML snippet block and rich text refuse every payload
that can run code, naming the vector, whatever the CSP mode; every other field stores
text that the templates escape (test_stored_xss_browser.py loads what was stored)."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from commonground.content.blocks import BodyStreamBlock, check_rich_text
from commonground.content.models import StandardPage
from commonground.governance import public as governance
from commonground.governance.models import SecuritySettings

from ..conftest import client_for
from .admin_forms import standard_page_form_data
from .factories import ContentImageFactory, StandardPageFactory
from .stored_xss import (
    BLOCK_FIELDS,
    NOT_TEXT,
    SCALAR_FIELDS,
    payloads,
    store_corpus,
)

# Payloads that hold no vector once parsed as a browser parses them: text, or attributes
# that swallow the would-be code. Stored, and shown inert by the browser test.
INERT_AS_WRITTEN = {
    "<img/src=x/onerror=xss(",  # one attribute, src="x/onerror=..."
    '<img src="x` `<script>',  # the script is inside the src value
    "javascript:xss(",  # text
}

# The six payloads of issue 14 and the vector each message must name.
ISSUE_PAYLOADS = [
    ('<iframe srcdoc="<script>parent.x()</script>"></iframe>', "srcdoc"),
    ('<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>', "onerror"),
    ("<!--><img src=x onerror=alert(1)>-->", "onerror"),
    ('<script type="text/ecmascript">alert(1)</script>', "an inline script"),
    ('<script src="data:text/javascript,alert(1)"></script>', "a data: URL in its src"),
    ('<iframe src="java&#x0a;script:alert(1)"></iframe>', "a javascript: URL in its src"),
]


def _inert(payload: str) -> bool:
    return any(payload.startswith(start) for start in INERT_AS_WRITTEN)


def _refusal(check: Any, html: str) -> str:
    try:
        check(html)
    except ValidationError as error:
        return "\n".join(error.messages)
    return ""


def test_the_corpus_holds_at_least_60_payloads_of_every_kind() -> None:
    corpus = [payload for _, payload in payloads()]
    assert len(corpus) >= 60
    for kind in ["<script", "onerror=", "srcdoc", "javascript:", "data:", "<svg", "<math"]:
        assert any(kind in payload for payload in corpus), kind
    for mutation in ["<noscript>", "<template>", "<!--", "<xmp>", "<noembed>"]:
        assert any(mutation in payload for payload in corpus), mutation


@pytest.mark.django_db
@pytest.mark.parametrize(("payload", "named"), ISSUE_PAYLOADS)
def test_the_issue_payloads_are_refused_naming_the_vector(payload: str, named: str) -> None:
    message = _refusal(governance.check_html, payload)
    assert named in message
    assert "content may not run code" in message


@pytest.mark.django_db
@pytest.mark.parametrize("check", [governance.check_html, check_rich_text], ids=["html", "rich"])
def test_every_payload_that_can_run_code_is_refused(check: Any) -> None:
    for number, payload in payloads():
        refused = bool(_refusal(check, payload))
        assert refused != _inert(payload), f"line {number}: {payload}"


@pytest.mark.django_db
def test_report_only_mode_refuses_the_same(home: Any) -> None:
    SecuritySettings.objects.update_or_create(
        site=home.get_site(), defaults={"csp_mode": SecuritySettings.CspMode.REPORT_ONLY}
    )
    assert _refusal(governance.check_html, "<img src=x onerror=alert(1)>")


@pytest.mark.django_db
def test_json_ld_images_and_links_still_save() -> None:
    fine = (
        '<script type="application/ld+json">{"@type": "Organization"}</script>'
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="">'
        '<a href="https://example.org/javascript:">a link</a><p style="color: red">red</p>'
    )
    assert _refusal(governance.check_html, fine) == ""


def test_the_specs_cover_every_content_field_and_block() -> None:
    """A new field or block fails here until the corpus goes through it."""
    assert set(BodyStreamBlock().child_blocks) == {block for block, _ in BLOCK_FIELDS}
    for model, names in SCALAR_FIELDS.items():
        panels = [*model.content_panels, *model.promote_panels]
        in_panels = {name for panel in panels for name in _field_names(panel)}
        assert in_panels - NOT_TEXT - {"title"} <= set(names), model.__name__


def _field_names(panel: Any) -> list[str]:
    children = getattr(panel, "children", None)
    if children:
        return [name for child in children for name in _field_names(child)]
    name = getattr(panel, "field_name", None) or getattr(panel, "relation_name", None)
    return [name] if name else []


@pytest.mark.django_db
def test_plain_values_pass_every_block_so_refusals_are_the_payloads(it_admin: Any) -> None:
    from ..governance.factories import registered_technology

    registered_technology(
        it_admin, name="YouTube", hosts={"frame-src": ["www.youtube-nocookie.com"]}
    )
    image = ContentImageFactory()
    stream = BodyStreamBlock()
    for (block_type, sub_field), build in BLOCK_FIELDS.items():
        plain = "http://127.0.0.1/x" if sub_field == "url" else "Plain words"
        if (block_type, sub_field) in {("video", "url"), ("embed", "url")}:
            continue  # a URL block takes only its provider's or an approved host's address
        block = stream.child_blocks[block_type]
        block.clean(block.to_python(build(plain, image.pk)))


@pytest.mark.django_db
def test_the_corpus_through_every_field_is_refused_or_stored(home: Any, it_admin: Any) -> None:
    from ..governance.factories import registered_technology

    registered_technology(
        it_admin, name="YouTube", hosts={"frame-src": ["www.youtube-nocookie.com"]}
    )
    stored = store_corpus(home, ContentImageFactory())
    tally = stored.tally
    count = len(payloads())
    for where in tally.fields:
        assert tally.refused[where] + tally.stored[where] == count, where
    inert = sum(_inert(payload) for _, payload in payloads())
    for where in ["body.html.html", "body.paragraph.rich text", "body.faq.answer"]:
        assert tally.stored[where] == inert, where
    assert tally.stored["LandingPage.thank_you_text"] == inert
    assert all(page.live for page in stored.pages)
    print(
        f"\n{count} payloads x {len(tally.fields)} fields: "
        f"{sum(tally.refused.values())} refused on save, {sum(tally.stored.values())} stored"
    )


@pytest.mark.django_db
def test_the_admin_form_refuses_a_snippet_with_a_vector(home: Any, editor: Any) -> None:
    page = StandardPageFactory(parent=home, title="Snippets")
    revisions = page.revisions.count()
    for payload, named in ISSUE_PAYLOADS:
        data = standard_page_form_data(page, title=page.title, blocks=[("html", payload)])
        response = client_for(editor).post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
        assert response.status_code == 200, payload
        assert named in response.content.decode().replace("&quot;", '"'), payload
    assert StandardPage.objects.get(pk=page.pk).revisions.count() == revisions
