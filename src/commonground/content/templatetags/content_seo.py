"""The {% share_facts %} tag: a page's description and image for search and sharing."""

from typing import Any

from django import template
from wagtail.models import Page

from ..presentation.seo import share_description, share_image

register = template.Library()


@register.simple_tag
def share_facts(page: Page | None) -> dict[str, Any]:
    if page is None or not isinstance(page, Page):
        return {"description": "", "image": None}
    return {"description": share_description(page), "image": share_image(page)}
