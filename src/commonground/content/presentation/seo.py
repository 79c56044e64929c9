"""Search and sharing fallbacks: the description and image a page is shared with when its
Promote tab was left empty."""

from typing import Any

from django.utils.html import strip_tags
from django.utils.text import normalize_newlines
from wagtail.models import Page

DESCRIPTION_LENGTH = 160
# In order: what the editor wrote for search, then what the page says about itself.
_TEXT_FIELDS = ("search_description", "summary", "intro", "hero_text")
_IMAGE_FIELDS = ("og_image", "hero_image", "lead_image")


def share_description(page: Page) -> str:
    """The meta/Open Graph description: search description, summary, intro (or hero text),
    else the body's first text; plain, at most 160 characters, cut at a word."""
    specific = page.specific
    for name in _TEXT_FIELDS:
        value = getattr(specific, name, "")
        if isinstance(value, str) and value.strip():
            return plain_cut(value)
    return plain_cut(_first_body_text(specific))


def share_image(page: Page) -> Any:
    """The sharing image: the Promote tab's, else the hero or lead image; None without."""
    specific = page.specific
    for name in _IMAGE_FIELDS:
        image = getattr(specific, name, None)
        if image is not None:
            return image
    return None


def plain_cut(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """``text`` without markup or runs of white space, cut at the last word that fits
    (with an ellipsis when cut)."""
    plain = " ".join(strip_tags(normalize_newlines(text)).split())
    if len(plain) <= limit:
        return plain
    cut = plain[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:-\u2013\u2014")  # dashes too
    return f"{cut}…"


def _first_body_text(page: Any) -> str:
    body = getattr(page, "body", None)
    for block in body or []:
        value = block.value
        source = getattr(value, "source", None)  # RichText
        text = source if isinstance(source, str) else value if isinstance(value, str) else ""
        if strip_tags(text).strip():
            return text
    return ""
