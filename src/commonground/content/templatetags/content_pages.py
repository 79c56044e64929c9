"""Page template tags: navigation, links, article cards and bylines, recording cache tags."""

from typing import Any
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.core.paginator import Page as PaginatorPage
from django.http import HttpRequest
from wagtail.blocks import StructValue
from wagtail.models import Page, Site

from commonground.core.pages.cache_invalidation import ARTICLE_LISTING_TAG, NAV_TAG, snippet_tag
from commonground.core.pages.page_cache import depends_on, page_tag

register = template.Library()


def _request(context: template.Context) -> HttpRequest | None:
    request: HttpRequest | None = context.get("request")
    return request


def _site(context: template.Context) -> Site | None:
    request = _request(context)
    return Site.find_for_request(request) if request is not None else None


@register.simple_tag(takes_context=True)
def site_name(context: template.Context) -> str:
    site = _site(context)
    return (site.site_name if site else "") or settings.WAGTAIL_SITE_NAME


@register.inclusion_tag("content/includes/main_navigation.html", takes_context=True)
def main_navigation(context: template.Context, label: str = "Main") -> dict[str, Any]:
    """Live, public, show-in-menus children of the site root; the current section is marked."""
    depends_on(NAV_TAG)
    site = _site(context)
    current: Page | None = context.get("page") if isinstance(context.get("page"), Page) else None
    items: list[dict[str, Any]] = []
    if site is not None:
        request = _request(context)
        for child in site.root_page.get_children().live().public().in_menu():
            if current is None:
                aria_current = ""
            elif current.pk == child.pk:
                aria_current = "page"
            elif current.path.startswith(child.path):
                # A page inside this section: the section is "where you are", not the page.
                aria_current = "true"
            else:
                aria_current = ""
            items.append(
                {"title": child.title, "url": child.get_url(request), "current": aria_current}
            )
    return {"items": items, "label": label}


@register.simple_tag(takes_context=True)
def link_href(context: template.Context, target: Page | StructValue | None) -> str:
    """URL of a chosen page or a LinkTargetBlock value; "" when it leads nowhere live.

    A linked page's title or URL can change, so the page being rendered depends on it.
    """
    if target is None:
        return ""
    if isinstance(target, StructValue):
        page = target.get("page")
        if not page:
            return str(target.get("url") or "")
    else:
        page = target
    depends_on(page_tag(page.pk))
    if not page.live:
        return ""
    return str(page.get_url(_request(context)) or "")


@register.simple_tag
def tag_filter_url(index_url: str, tag_slug: str) -> str:
    return f"{index_url}?{urlencode({'tag': tag_slug})}"


@register.simple_tag
def listing_page_url(index_url: str, tag_slug: str = "", number: int | str = 1) -> str:
    """A listing page's URL carrying only the tag filter and page number (page 1 has none)."""
    query: dict[str, str] = {}
    if tag_slug:
        query["tag"] = tag_slug
    if str(number) != "1":
        query["page"] = str(number)
    return f"{index_url}?{urlencode(query)}" if query else index_url


@register.simple_tag
def elided_page_range(page_obj: PaginatorPage) -> list[int | str]:
    return list(
        page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=1, on_ends=1)
    )


@register.inclusion_tag("content/includes/article_card.html", takes_context=True)
def article_card(
    context: template.Context,
    article: Page,
    heading_level: int = 3,
    index_url: str = "",
    eager: bool = False,
) -> dict[str, Any]:
    depends_on(page_tag(article.pk))
    return {
        "request": _request(context),
        "article": article,
        "heading_tag": f"h{max(2, min(6, int(heading_level)))}",
        "index_url": index_url,
        "tags": list(article.tags.all()) if index_url else [],
        "loading": "eager" if eager else "lazy",
    }


def _grid(context: template.Context, articles: Any, heading_level: int, index_url: str) -> dict:
    return {
        "request": _request(context),
        "articles": list(articles),
        "heading_level": heading_level,
        "index_url": index_url,
    }


@register.inclusion_tag("content/includes/article_grid.html", takes_context=True)
def latest_articles_grid(
    context: template.Context, articles: Any, heading_level: int = 3
) -> dict[str, Any]:
    """Cards for a "latest articles" list: any newly published article may belong in it."""
    depends_on(ARTICLE_LISTING_TAG)
    return _grid(context, articles, heading_level, "")


@register.inclusion_tag("content/includes/article_grid.html", takes_context=True)
def article_index_grid(
    context: template.Context, index_page: Page, articles: Any, heading_level: int = 2
) -> dict[str, Any]:
    """Cards for the children of an article index: their publication changes the listing."""
    depends_on(f"children:{index_page.pk}")
    return _grid(context, articles, heading_level, index_page.get_url(_request(context)) or "")


@register.inclusion_tag("content/includes/author_byline.html")
def author_byline(author: Any, date: Any = None, variant: str = "byline") -> dict[str, Any]:
    """An Author snippet as a byline (name, role, photo) or, with variant="bio", a bio box."""
    if author is not None:
        depends_on(snippet_tag(author))
    return {"author": author, "date": date, "variant": variant}
