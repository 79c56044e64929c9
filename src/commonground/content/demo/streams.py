"""Raw StreamField values for the demo copy, one constructor per block in BodyStreamBlock."""

from typing import Any

from wagtail.models import Page

from ..models import ContentImage

Block = dict[str, Any]


def heading(text: str, level: str = "h2") -> Block:
    return {"type": "heading", "value": {"text": text, "level": level}}


def paragraph(html: str) -> Block:
    return {"type": "paragraph", "value": html}


def image(picture: ContentImage, caption: str = "") -> Block:
    return {
        "type": "image",
        "value": {
            "image": {"image": picture.pk, "decorative": False, "alt_text": picture.description},
            "caption": caption,
        },
    }


def image_and_text(picture: ContentImage, html: str, position: str = "left") -> Block:
    return {
        "type": "image_and_text",
        "value": {
            "image": {"image": picture.pk, "decorative": False, "alt_text": picture.description},
            "text": html,
            "image_position": position,
        },
    }


def quote(text: str, attribution: str) -> Block:
    return {"type": "quote", "value": {"quote": text, "attribution": attribution}}


def call_to_action(
    label: str, *, page: Page | None = None, url: str = "", style: str = "primary"
) -> Block:
    target = {"page": page.pk if page else None, "url": url}
    return {"type": "call_to_action", "value": {"label": label, "target": target, "style": style}}


def table(rows: list[list[str]], caption: str = "", first_col_is_header: bool = False) -> Block:
    return {
        "type": "table",
        "value": {
            "data": rows,
            "first_row_is_table_header": True,
            "first_col_is_header": first_col_is_header,
            "table_caption": caption,
            "cell": [],
            "mergeCells": [],
        },
    }


def faq(title: str, items: list[tuple[str, str]]) -> Block:
    return {
        "type": "faq",
        "value": {
            "title": title,
            "items": [{"question": question, "answer": answer} for question, answer in items],
        },
    }


def video(url: str, title: str, poster: ContentImage | None = None) -> Block:
    return {
        "type": "video",
        "value": {"url": url, "title": title, "poster": poster.pk if poster else None},
    }


def page_link(page: Page, text: str) -> str:
    return f'<a linktype="page" id="{page.pk}">{text}</a>'


def document_link(document_id: int, text: str) -> str:
    return f'<a linktype="document" id="{document_id}">{text}</a>'


def html(snippet: str) -> Block:
    """A vendor snippet, stored as given (the editing form's registry check never sees it)."""
    return {"type": "html", "value": snippet}
