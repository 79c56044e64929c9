"""What of a page goes into its newsletter edition, whatever the page's type: the lead or
hero image as a rendition, the summary or intro, and the first blocks of its body up to a
length, as e-mail-safe HTML (rich text sanitised, embeds, video, raw HTML and scripts dropped,
images as renditions, every link absolute)."""

import html
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.html import format_html
from wagtail.images.models import SourceImageIOError
from wagtail.models import Page
from wagtail.rich_text import expand_db_html

# Twice the 600 px the e-mail is laid out at: sharp on high-density screens.
HERO_SPEC = "fill-1200x630|format-jpeg"
BODY_IMAGE_SPEC = "width-1200|format-jpeg"
LAYOUT_WIDTH = 600
# How much of the body an edition carries (characters of text), and at most how many blocks.
EXCERPT_LENGTH = 1200
EXCERPT_BLOCKS = 6

# Where each page type keeps them, most specific first.
_IMAGE_FIELDS = ("lead_image", "hero_image", "og_image")
_SUMMARY_FIELDS = ("summary", "intro", "hero_text", "search_description")

_ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "a", "ul", "ol", "li",
    "h2", "h3", "h4", "blockquote", "code", "sup", "sub",
}  # fmt: skip
# Their content goes too: nothing of a script, a frame or a style reaches an inbox.
_DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript"}
_VOID = {"br", "img", "hr", "wbr"}
_LINK_SCHEMES = {"http", "https", "mailto"}
_TAG_STYLES = {
    "p": "margin:0 0 16px;",
    "h2": "margin:24px 0 8px;font-size:21px;line-height:1.3;",
    "h3": "margin:20px 0 8px;font-size:18px;line-height:1.3;",
    "h4": "margin:16px 0 8px;font-size:16px;line-height:1.3;",
    "ul": "margin:0 0 16px;padding-left:24px;",
    "ol": "margin:0 0 16px;padding-left:24px;",
    "blockquote": "margin:0 0 16px;padding-left:16px;border-left:3px solid #c9d3dd;",
    "a": "color:#12355b;",
}


def absolute_url(url: str) -> str:
    """``url`` made absolute against the site's base URL (already absolute: unchanged)."""
    base: str = settings.WAGTAILADMIN_BASE_URL
    if url.startswith("/") and not url.startswith("//"):
        return base.rstrip("/") + url
    return urljoin(base.rstrip("/") + "/", url)


def safe_link(url: str) -> str:
    """``url`` made absolute, or "" when it is no web or mail link (``javascript:``...)."""
    url = url.strip()
    if not url:
        return ""
    full = absolute_url(url)
    return full if urlsplit(full).scheme.lower() in _LINK_SCHEMES else ""


class _Sanitiser(HTMLParser):
    """Rich text as e-mail HTML: allowed tags only, links absolute and safe, inline styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.text_length = 0
        self._dropping = 0
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_WITH_CONTENT:
            if tag not in _VOID:
                self._dropping += 1
            return
        if self._dropping:
            return
        values = {name: value or "" for name, value in attrs}
        if tag == "img":
            source = safe_link(values.get("src", ""))
            if source.startswith("http"):
                self.out.append(
                    format_html(
                        '<img src="{}" alt="{}" style="display:block;max-width:100%;'
                        'height:auto;border:0;margin:0 0 16px;">',
                        source,
                        values.get("alt", ""),
                    )
                )
            return
        if tag not in _ALLOWED_TAGS:
            return
        if tag == "a":
            href = safe_link(values.get("href", ""))
            self.out.append(
                format_html('<a href="{}" style="{}">', href, _TAG_STYLES["a"]) if href else "<a>"
            )
        elif tag in _TAG_STYLES:
            self.out.append(f'<{tag} style="{_TAG_STYLES[tag]}">')
        else:
            self.out.append(f"<{tag}>")
        if tag not in _VOID:
            self._open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and tag not in _DROPPED_WITH_CONTENT and tag in _ALLOWED_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_WITH_CONTENT:
            self._dropping = max(0, self._dropping - 1)
            return
        if self._dropping or tag not in self._open:
            return
        while self._open:  # close what was left open inside it, too
            opened = self._open.pop()
            self.out.append(f"</{opened}>")
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._dropping:
            return
        self.text_length += len(data.strip())
        self.out.append(html.escape(data, quote=False))

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{tag}>" for tag in reversed(self._open))


def sanitised_html(markup: str) -> tuple[str, int]:
    """``markup`` as e-mail-safe HTML, and the length of its text."""
    parser = _Sanitiser()
    parser.feed(markup)
    return parser.result(), parser.text_length


@dataclass(frozen=True, slots=True)
class EditionImage:
    url: str  # absolute
    alt: str
    width: int  # as laid out in the e-mail
    height: int


@dataclass(frozen=True, slots=True)
class EditionContent:
    """What of a page goes into its edition."""

    title: str
    summary: str
    image: EditionImage | None
    blocks: tuple[str, ...]  # e-mail-safe HTML, one per body block
    more: bool  # whether the body goes on beyond the excerpt


def _rendition(image: Any, spec: str) -> EditionImage | None:
    try:
        rendition = image.get_rendition(spec)
    except (SourceImageIOError, OSError):  # a missing file: the edition goes without it
        return None
    width = min(LAYOUT_WIDTH, rendition.width)
    height = round(rendition.height * width / rendition.width) if rendition.width else 0
    alt = getattr(image, "contextual_alt_text", None) or getattr(image, "default_alt_text", "")
    return EditionImage(url=absolute_url(rendition.url), alt=alt or "", width=width, height=height)


def _first(page: Any, names: Iterable[str]) -> Any:
    for name in names:
        value = getattr(page, name, None)
        if value and (not isinstance(value, str) or value.strip()):
            return value.strip() if isinstance(value, str) else value
    return None


def _image_block(image: Any, caption: str = "") -> tuple[str, int]:
    shown = _rendition(image, BODY_IMAGE_SPEC) if image is not None else None
    if shown is None:
        return "", 0
    markup = format_html(
        '<img src="{}" alt="{}" width="{}" style="display:block;width:100%;max-width:{}px;'
        'height:auto;border:0;margin:0 0 8px;">',
        shown.url,
        shown.alt,
        shown.width,
        shown.width,
    )
    if caption:
        markup += format_html(
            '<p style="margin:0 0 16px;font-size:13px;color:#5b6b7b;">{}</p>', caption
        )
    return markup, len(caption)


def _link_of(target: Any) -> str:
    if not target:
        return ""
    page = target.get("page")
    if page is not None:
        return safe_link(page.specific.full_url or "")
    return safe_link(target.get("url") or "")


def block_html(block_type: str, value: Any) -> tuple[str, int]:
    """One body block as e-mail HTML and the length of its text ("" for blocks an e-mail
    cannot carry: video, embeds, raw HTML, tables, external images)."""
    if block_type == "paragraph":
        return sanitised_html(expand_db_html(value.source))
    if block_type == "heading":
        level = value.get("level") if value.get("level") in {"h2", "h3", "h4"} else "h2"
        text = value.get("text") or ""
        return format_html('<{} style="{}">{}</{}>', level, _TAG_STYLES[level], text, level), len(
            text
        )
    if block_type == "image":
        return _image_block(value.get("image"), value.get("caption") or "")
    if block_type == "image_and_text":
        image, _ = _image_block(value.get("image"))
        text, length = sanitised_html(expand_db_html(value.get("text").source))
        return image + text, length
    if block_type == "quote":
        quote, by = value.get("quote") or "", value.get("attribution") or ""
        markup = format_html(
            '<blockquote style="{}"><p style="margin:0;font-style:italic;">{}</p>{}</blockquote>',
            _TAG_STYLES["blockquote"],
            quote,
            format_html('<p style="margin:4px 0 0;">— {}</p>', by) if by else "",
        )
        return markup, len(quote) + len(by)
    if block_type == "call_to_action":
        href, label = _link_of(value.get("target")), value.get("label") or ""
        if not href or not label:
            return "", 0
        return format_html('<p style="margin:0 0 16px;"><a href="{}" style="{}">{}</a></p>', href,
                           _TAG_STYLES["a"] + "font-weight:bold;", label), len(label)  # fmt: skip
    return "", 0


def excerpt(body: Iterable[Any]) -> tuple[tuple[str, ...], bool]:
    """The first blocks of a body up to ``EXCERPT_LENGTH`` characters of text (the first
    block with text is kept whole), and whether anything was left out."""
    shown: list[str] = []
    length = 0
    for block in body:
        if len(shown) >= EXCERPT_BLOCKS or (length and length >= EXCERPT_LENGTH):
            return tuple(shown), True
        markup, size = block_html(block.block_type, block.value)
        if not markup:
            continue
        if length and length + size > EXCERPT_LENGTH * 1.25:
            return tuple(shown), True
        shown.append(markup)
        length += size
    return tuple(shown), False


def edition_content(page: Page) -> EditionContent:
    """The title, image, summary and body excerpt of ``page`` (any type; its specific
    fields where it has them)."""
    specific = page.specific
    image_field = _first(specific, _IMAGE_FIELDS)
    summary = _first(specific, _SUMMARY_FIELDS) or ""
    body = getattr(specific, "body", None)
    blocks, more = excerpt(body) if body is not None else ((), False)
    return EditionContent(
        title=page.title,
        summary=str(summary),
        image=_rendition(image_field, HERO_SPEC) if image_field is not None else None,
        blocks=blocks,
        more=more,
    )
