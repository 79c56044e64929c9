"""Factories for content: images and the page types, added to the tree the Wagtail way."""

import datetime
import json
from typing import Any

import factory
from django.utils.text import slugify
from wagtail.models import Page
from wagtail.rich_text import RichText

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


class ContentImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContentImage

    title = factory.Sequence(lambda n: f"Image {n}")
    description = factory.LazyAttribute(lambda o: f"Alt text of {o.title}")
    file = factory.django.ImageField(
        width=80,
        height=60,
        color="teal",
        format="PNG",
        filename=factory.Sequence(lambda n: f"picture{n}.png"),
    )


class PageFactory(factory.django.DjangoModelFactory):
    """Adds the page under ``parent`` and saves a revision; publishes it unless ``live=False``."""

    class Meta:
        abstract = True

    title = factory.Sequence(lambda n: f"Page {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))

    @classmethod
    def _create(cls, model_class: type[Page], *args: Any, parent: Page, **kwargs: Any) -> Page:
        live = kwargs.pop("live", True)
        page = model_class(live=False, **kwargs)
        parent.add_child(instance=page)
        revision = page.save_revision()
        if live:
            revision.publish()
            page.refresh_from_db()
        return page


class HomePageFactory(PageFactory):
    class Meta:
        model = HomePage

    title = "Home"
    slug = factory.Sequence(lambda n: f"home-{n}")
    hero_title = "Marketing self-serves, IT stays in control"


class StandardPageFactory(PageFactory):
    class Meta:
        model = StandardPage

    intro = factory.LazyAttribute(lambda o: f"Intro of {o.title}")
    body = factory.LazyAttribute(lambda o: [("paragraph", RichText(f"<p>Body of {o.title}</p>"))])


def image_body(image: ContentImage, caption: str = "A caption") -> str:
    """A StreamField body (stored JSON) with one captioned image block."""
    image_value = {"image": image.pk, "alt_text": image.description, "decorative": False}
    return json.dumps([{"type": "image", "value": {"image": image_value, "caption": caption}}])


DEFAULT_FORM_FIELDS = (
    {"label": "Full name", "field_type": "singleline", "required": True},
    {"label": "Email", "field_type": "email", "required": True},
    {
        "label": "Interest",
        "field_type": "dropdown",
        "required": True,
        "choices": "Pricing\nDemo\nPartnership",
    },
    {"label": "Message", "field_type": "multiline", "required": False},
)


class LandingPageFactory(PageFactory):
    class Meta:
        model = LandingPage

    title = factory.Sequence(lambda n: f"Campaign {n}")
    hero_title = factory.LazyAttribute(lambda o: f"Hero of {o.title}")
    campaign_code = factory.LazyAttribute(lambda o: o.slug)
    form_fields = factory.LazyFunction(
        lambda: [LandingPageFormField(sort_order=i, **f) for i, f in enumerate(DEFAULT_FORM_FIELDS)]
    )


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Author {n}")
    role = "Writer"


class ArticleIndexPageFactory(PageFactory):
    class Meta:
        model = ArticleIndexPage

    title = factory.Sequence(lambda n: f"News {n}")


class ArticlePageFactory(PageFactory):
    class Meta:
        model = ArticlePage

    title = factory.Sequence(lambda n: f"Article {n}")
    date = factory.LazyFunction(datetime.date.today)
    summary = factory.LazyAttribute(lambda o: f"Summary of {o.title}")
