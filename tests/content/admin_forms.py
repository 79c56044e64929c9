"""POST data for Wagtail's admin forms, built the way the browser would send it."""

from collections.abc import Sequence
from typing import Any

from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from commonground.content.blocks import RICH_TEXT_FEATURES
from commonground.content.models import ContentImage, StandardPage


def standard_page_form_data(
    page: StandardPage,
    *,
    title: str,
    paragraph: str = "",
    blocks: Sequence[tuple[str, Any]] = (),
    **actions: str,
) -> dict[str, Any]:
    """What the page edit form posts for a standard page (a paragraph, then ``blocks`` as
    (block type, value) pairs), plus the chosen action button."""
    body = [("paragraph", rich_text(f"<p>{paragraph}</p>", features=RICH_TEXT_FEATURES))]
    data = nested_form_data(
        {
            "title": title,
            "slug": page.slug,
            "intro": page.intro,
            "body": streamfield([*body, *blocks]),
            "seo_title": "",
            "search_description": "",
            "canonical_url": "",
            "comments": inline_formset([]),
            "distribution": inline_formset([]),  # the Distribute tab, no channels
        }
    )
    data.update(actions)
    return data


def image_form_data(image: ContentImage, **changes: Any) -> dict[str, Any]:
    """What the image edit form posts when only ``changes`` are edited (file kept)."""
    data: dict[str, Any] = {
        "title": image.title,
        "description": image.description,
        "credit": image.credit,
        "collection": image.collection_id,
        "tags": "",
        "focal_point_x": image.focal_point_x or "",
        "focal_point_y": image.focal_point_y or "",
        "focal_point_width": image.focal_point_width or "",
        "focal_point_height": image.focal_point_height or "",
    }
    data.update(changes)
    return data
