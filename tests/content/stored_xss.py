"""The stored-XSS corpus sent through every content field and block of the page types.

Each payload goes, alone, through each field's own clean (what the model's full_clean, and
so the admin's form, runs) and each block's clean (what the StreamField runs for every
block). What a field refuses is counted; what it takes is saved the way the admin saves it
(full_clean, a revision, publish). Scalar fields take several accepted payloads, one after
another, up to their length, so a few pages per type carry them all; the body of each
type's first page carries one block per accepted (block, sub-field, payload).
"""

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from wagtail.models import Page

from commonground.content.blocks import BodyStreamBlock
from commonground.content.models import (
    ArticleIndexPage,
    ArticlePage,
    Author,
    ContentImage,
    HomePage,
    LandingPage,
    LandingPageFormField,
    StandardPage,
)

CORPUS = Path(__file__).parent / "data" / "stored_xss_corpus.txt"
FIRST_PARTY_EMBED = "http://127.0.0.1/embed/map"  # an allowed host: first party
FIRST_PARTY_IMAGE = "http://127.0.0.1/static/x.png"
VIDEO = "https://www.youtube.com/watch?v=abc123"


def payloads() -> list[tuple[int, str]]:
    """(line number, payload) with ALERT as a call to the page binding ``xss(line)`` and
    MARK as a marker on the page's body (``data-xss-ran``)."""
    found = []
    for number, line in enumerate(CORPUS.read_text().splitlines(), start=1):
        if line and not line.startswith("# "):
            payload = line.replace("ALERT", f"xss({number})")
            found.append(
                (number, payload.replace("MARK", f"document.body.dataset.xssRan={number}"))
            )
    return found


# The text-carrying fields of each page type (their content and promote panels). Images,
# page choosers, dates and numbers carry no text and are left out, by name, in NOT_TEXT.
SEO = ["title", "seo_title", "search_description", "canonical_url"]
SCALAR_FIELDS: dict[type[Page], list[str]] = {
    HomePage: [*SEO, "hero_title", "hero_text", "hero_cta_label"],
    StandardPage: [*SEO, "intro"],
    LandingPage: [
        *SEO,
        "campaign_code",
        "hero_title",
        "hero_text",
        "cta_label",
        "form_title",
        "submit_label",
        "thank_you_text",
    ],
    ArticleIndexPage: [*SEO, "intro"],
    ArticlePage: [*SEO, "summary"],
}
NOT_TEXT = {
    "slug",
    "show_in_menus",
    "og_image",
    "hero_image",
    "hero_cta_page",
    "lead_image",
    "date",
    "author",
    "tags",
    "per_page",
    "body",
    "form_fields",
    # E-mail addresses only, each validated (tests/content/test_lead_notifications.py); never
    # shown on a public page.
    "lead_notification_addresses",
}
AUTHOR_FIELDS = ["name", "role", "bio"]
FORM_FIELD_FIELDS = ["label", "help_text", "choices", "default_value"]


def _image(pk: int) -> dict[str, Any]:
    return {"image": pk, "alt_text": "A picture", "decorative": False}


# (block, sub-field) -> the block's stored value with ``p`` in that sub-field alone.
BlockValue = Callable[[str, int], Any]
BLOCK_FIELDS: dict[tuple[str, str], BlockValue] = {
    ("heading", "text"): lambda p, img: {"text": p, "level": "h2"},
    ("paragraph", "rich text"): lambda p, img: p,
    ("image", "caption"): lambda p, img: {"image": _image(img), "caption": p},
    ("image", "alt text"): lambda p, img: {
        "image": {**_image(img), "alt_text": p},
        "caption": "",
    },
    ("image_and_text", "text"): lambda p, img: {
        "image": _image(img),
        "text": p,
        "image_position": "left",
    },
    ("quote", "quote"): lambda p, img: {"quote": p, "attribution": ""},
    ("quote", "attribution"): lambda p, img: {"quote": "Said", "attribution": p},
    ("call_to_action", "label"): lambda p, img: {
        "label": p,
        "target": {"page": None, "url": "https://example.org/"},
        "style": "primary",
    },
    ("call_to_action", "url"): lambda p, img: {
        "label": "Go",
        "target": {"page": None, "url": p},
        "style": "primary",
    },
    ("table", "cell"): lambda p, img: {
        "data": [["Head", "Head 2"], [p, "x"]],
        "first_row_is_table_header": True,
        "first_col_is_header": False,
        "table_caption": "",
    },
    ("table", "caption"): lambda p, img: {
        "data": [["a", "b"]],
        "first_row_is_table_header": False,
        "first_col_is_header": False,
        "table_caption": p,
    },
    ("faq", "title"): lambda p, img: {
        "title": p,
        "items": [{"question": "Q", "answer": "<p>A</p>"}],
    },
    ("faq", "question"): lambda p, img: {
        "title": "",
        "items": [{"question": p, "answer": "<p>A</p>"}],
    },
    ("faq", "answer"): lambda p, img: {"title": "", "items": [{"question": "Q", "answer": p}]},
    ("video", "url"): lambda p, img: {"url": p, "title": "Video", "poster": None},
    ("video", "title"): lambda p, img: {"url": VIDEO, "title": p, "poster": None},
    ("embed", "url"): lambda p, img: {"url": p, "title": "Map", "aspect_ratio": "16-9"},
    ("embed", "title"): lambda p, img: {
        "url": FIRST_PARTY_EMBED,
        "title": p,
        "aspect_ratio": "16-9",
    },
    ("external_image", "url"): lambda p, img: {"url": p, "alt_text": "Badge", "caption": ""},
    ("external_image", "alt text"): lambda p, img: {
        "url": FIRST_PARTY_IMAGE,
        "alt_text": p,
        "caption": "",
    },
    ("external_image", "caption"): lambda p, img: {
        "url": FIRST_PARTY_IMAGE,
        "alt_text": "Badge",
        "caption": p,
    },
    ("html", "html"): lambda p, img: p,
}


@dataclass
class Tally:
    """How many (payload, field) pairs each field refused on save and how many it stored."""

    refused: Counter[str] = field(default_factory=Counter)
    stored: Counter[str] = field(default_factory=Counter)

    def note(self, where: str, *, accepted: bool) -> None:
        (self.stored if accepted else self.refused)[where] += 1

    @property
    def fields(self) -> list[str]:
        return sorted(set(self.refused) | set(self.stored))


def _accepts(model_field: models.Field[Any, Any], value: str, instance: models.Model) -> bool:
    try:
        model_field.clean(value, instance)
    except ValidationError:
        return False
    return True


def _pack(values: list[str], limit: int | None) -> list[str]:
    """``values`` joined with a space into as few strings of at most ``limit`` as fit
    (first fit, longest first): the fewer strings, the fewer pages to load."""
    if limit is None:
        return [" ".join(values)] if values else []
    packed: list[str] = []
    for value in sorted(values, key=len, reverse=True):
        for index, held in enumerate(packed):
            if len(held) + 1 + len(value) <= limit:
                packed[index] = f"{held} {value}"
                break
        else:
            packed.append(value)
    return packed


def _accepted_scalars(
    model: type[models.Model], names: list[str], tally: Tally, label: str
) -> dict[str, list[str]]:
    """Per field, the packed values of the payloads the field's own clean accepts."""
    instance = model()
    packed = {}
    for name in names:
        model_field = model._meta.get_field(name)
        assert isinstance(model_field, models.Field)
        accepted = []
        for _, payload in payloads():
            ok = _accepts(model_field, payload, instance)
            tally.note(f"{label}.{name}", accepted=ok)
            if ok:
                accepted.append(payload)
        packed[name] = _pack(accepted, getattr(model_field, "max_length", None))
    return packed


def accepted_blocks(tally: Tally, image: ContentImage) -> list[dict[str, Any]]:
    """The stored JSON of one block per (block, sub-field, payload) its clean accepts."""
    stream = BodyStreamBlock()
    body = []
    for (block_type, sub_field), build in BLOCK_FIELDS.items():
        block = stream.child_blocks[block_type]
        for _, payload in payloads():
            raw = build(payload, image.pk)
            try:
                block.clean(block.to_python(raw))
            except ValidationError:
                tally.note(f"body.{block_type}.{sub_field}", accepted=False)
                continue
            tally.note(f"body.{block_type}.{sub_field}", accepted=True)
            body.append({"type": block_type, "value": raw})
    return body


@dataclass
class StoredPages:
    pages: list[Page]
    tally: Tally


def _benign(model: type[Page], name: str, index: int) -> Any:
    """A plain value for a field whose payloads ran out on this page."""
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, models.Field)
    if name == "title" or not model_field.blank:
        return f"Plain {name} {index}"
    return model_field.get_default() or ""


def store_corpus(home: Page, image: ContentImage) -> StoredPages:
    """Every page type given the corpus in every field and block, saved as the admin saves;
    returns the pages and what each field refused or stored."""
    tally = Tally()
    body = json.dumps(accepted_blocks(tally, image))
    author_values = _accepted_scalars(Author, AUTHOR_FIELDS, tally, "author")
    form_values = _accepted_scalars(LandingPageFormField, FORM_FIELD_FIELDS, tally, "form field")
    pages: list[Page] = []
    index_parent: Page | None = None
    for model, names in SCALAR_FIELDS.items():
        values = _accepted_scalars(model, names, tally, model.__name__)
        parent = index_parent if model is ArticlePage else home
        assert parent is not None
        for index in range(max(len(packed) for packed in values.values())):
            page = model(slug=f"xss-{model.__name__.lower()}-{index}")
            for name in names:
                chosen = values[name]
                setattr(
                    page,
                    name,
                    chosen[index] if index < len(chosen) else _benign(model, name, index),
                )
            if model is not ArticleIndexPage:
                page.body = body if index == 0 else "[]"
            if model is ArticlePage:
                page.date = "2026-01-01"
                page.author = _author(author_values, index)
                if index == 0:
                    page.tags.add(*_tags(tally))
            if model is LandingPage:
                page.form_fields = _form_fields(form_values, index)
            parent.add_child(instance=page)
            page.full_clean()
            page.save_revision().publish()
            pages.append(page)
            if model is ArticleIndexPage and index_parent is None:
                index_parent = page
    return StoredPages(pages, tally)


def _author(values: dict[str, list[str]], index: int) -> Author:
    chosen = {name: packed[index] for name, packed in values.items() if index < len(packed)}
    author = Author(**{"name": f"Author {index}", **chosen})
    author.full_clean()
    author.save()
    return author


def _tags(tally: Tally) -> list[str]:
    """The payloads a tag can hold (a tag's name is at most 100 characters)."""
    tags = []
    for _, payload in payloads():
        tally.note("ArticlePage.tags", accepted=len(payload) <= 100)
        if len(payload) <= 100:
            tags.append(payload)
    return tags


def _form_fields(values: dict[str, list[str]], index: int) -> list[LandingPageFormField]:
    def at(name: str, default: str) -> str:  # the index-th packed value, or ``default``
        chosen = values[name]
        return chosen[index] if index < len(chosen) else default

    text = LandingPageFormField(
        sort_order=0,
        field_type="singleline",
        label=at("label", f"Name {index}"),
        help_text=at("help_text", ""),
        default_value=at("default_value", ""),
        required=False,
    )
    choice = LandingPageFormField(
        sort_order=1,
        field_type="dropdown",
        label=f"Pick {index}",
        choices=at("choices", "One\nTwo"),
        required=False,
    )
    return [text, choice]
