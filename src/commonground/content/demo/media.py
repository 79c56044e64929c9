"""The demo's images and documents: drawn with Pillow, filed in Wagtail collections."""

import hashlib
import io
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from wagtail.documents.models import Document
from wagtail.models import Collection

from ..models import ContentImage

BRAND = "Brand"
BLOG = "Blog"
TEAM = "Team"
DEMO_COLLECTIONS = (BRAND, BLOG, TEAM)

HERO = (2400, 1200)
CARD = (1600, 900)
PORTRAIT = (600, 600)
SOCIAL = (1200, 630)

# Colour pairs for the background gradient: the brand's deep teal, dusk and sand tones.
PALETTES: dict[str, tuple[str, str, str]] = {
    "teal": ("#0b3d4a", "#1f8a8a", "#f2c14e"),
    "dusk": ("#2b2350", "#7a4fa3", "#ffb38a"),
    "sand": ("#f4e3c1", "#e08e45", "#2f4858"),
    "forest": ("#16302b", "#3f7d5a", "#d9e4a6"),
    "sky": ("#1d3557", "#457b9d", "#f1faee"),
    "coral": ("#5c1a2e", "#e4572e", "#ffd6a5"),
}


@dataclass(frozen=True)
class ImageSpec:
    key: str
    title: str
    alt: str
    size: tuple[int, int]
    palette: str
    words: str
    collection: str
    # Focal point as (x, y, width, height) in pixels, for images that get cropped hard.
    focal: tuple[int, int, int, int] | None = None
    portrait_of: str = ""


def _hex(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return (int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16))


def _gradient(size: tuple[int, int], start: str, end: str, diagonal: float) -> Image.Image:
    """Top-to-bottom at 0, left-to-right at 1, a smooth diagonal in between."""
    vertical = Image.linear_gradient("L").resize(size)
    horizontal = Image.linear_gradient("L").rotate(90).resize(size)
    mask = Image.blend(vertical, horizontal, diagonal)
    return Image.composite(
        Image.new("RGB", size, _hex(end)), Image.new("RGB", size, _hex(start)), mask
    )


def _draw_composition(spec: ImageSpec) -> Image.Image:
    width, height = spec.size
    base, mid, accent = PALETTES[spec.palette]
    # Seeded by the key so a rebuilt demo draws the same pictures.
    rng = random.Random(spec.key)  # noqa: S311
    canvas = _gradient(spec.size, base, mid, rng.choice((0.3, 0.5, 0.7))).convert("RGBA")

    shapes = Image.new("RGBA", spec.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(shapes)
    unit = min(width, height)
    for _ in range(rng.randint(5, 9)):
        radius = int(unit * rng.uniform(0.08, 0.35))
        x = int(width * rng.uniform(0.35, 1.05))
        y = int(height * rng.uniform(-0.1, 1.1))
        colour = (*_hex(rng.choice((accent, mid, "#ffffff"))), rng.randint(40, 120))
        if rng.random() < 0.6:
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
        else:
            draw.rounded_rectangle(
                (x - radius, y - radius // 2, x + radius, y + radius // 2),
                radius=radius // 4,
                fill=colour,
            )
    # A few thin lines read as "charts" without pretending to be real data.
    points = [
        (int(width * (0.05 + 0.9 * i / 11)), int(height * rng.uniform(0.55, 0.8)))
        for i in range(12)
    ]
    draw.line(points, fill=(*_hex(accent), 200), width=max(3, unit // 150), joint="curve")
    shapes = shapes.filter(ImageFilter.GaussianBlur(unit // 300))
    canvas = Image.alpha_composite(canvas, shapes)

    text_layer = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=max(28, unit // 9))
    margin = int(unit * 0.09)
    text_layer.text(
        (margin + 3, height - margin + 3), spec.words, font=font, anchor="ls", fill=(0, 0, 0, 90)
    )
    text_layer.text((margin, height - margin), spec.words, font=font, anchor="ls", fill="#ffffff")
    return canvas.convert("RGB")


def _draw_portrait(spec: ImageSpec) -> Image.Image:
    width, height = spec.size
    base, mid, accent = PALETTES[spec.palette]
    canvas = _gradient(spec.size, base, mid, 0.5)
    draw = ImageDraw.Draw(canvas)
    # A head-and-shoulders silhouette keeps it a portrait without inventing a face.
    draw.ellipse((width * 0.18, height * 0.68, width * 0.82, height * 1.3), fill=_hex(accent))
    draw.ellipse((width * 0.33, height * 0.2, width * 0.67, height * 0.6), fill=_hex(accent))
    initials = "".join(part[0] for part in spec.portrait_of.split()[:2]).upper()
    font = ImageFont.load_default(size=height // 7)
    draw.text((width / 2, height * 0.4), initials, font=font, anchor="mm", fill=_hex(base))
    return canvas


def render_image(spec: ImageSpec) -> bytes:
    picture = _draw_portrait(spec) if spec.portrait_of else _draw_composition(spec)
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=86, optimize=True, progressive=True)
    return buffer.getvalue()


def render_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page A4 PDF whose page is a picture of the text: enough for a download link."""
    page = Image.new("RGB", (1240, 1754), "#ffffff")
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, 1240, 200), fill=_hex(PALETTES["teal"][0]))
    draw.text((90, 100), title, font=ImageFont.load_default(size=54), anchor="lm", fill="#ffffff")
    body_font = ImageFont.load_default(size=30)
    y = 300
    for line in lines:
        draw.text((90, y), line, font=body_font, fill="#1c2b33")
        y += 56 if line else 28
    buffer = io.BytesIO()
    page.save(buffer, format="PDF", resolution=150.0, title=title, author="Larkspur Data")
    return buffer.getvalue()


def demo_collection(name: str) -> Collection:
    existing = Collection.objects.filter(depth=2, name=name).first()
    if existing is not None:
        return existing
    root = Collection.get_first_root_node()
    collection: Collection = root.add_child(instance=Collection(name=name))
    return collection


def create_images(
    specs: list[ImageSpec], *, user: AbstractBaseUser, progress: Callable[[str], None]
) -> dict[str, ContentImage]:
    collections = {name: demo_collection(name) for name in DEMO_COLLECTIONS}
    images: dict[str, ContentImage] = {}
    for spec in specs:
        data = render_image(spec)
        image = ContentImage(
            title=spec.title,
            description=spec.alt,
            credit="Illustration generated for the Larkspur Data demo",
            collection=collections[spec.collection],
            uploaded_by_user=user,
            file=ImageFile(io.BytesIO(data), name=f"{spec.key}.jpg"),
            file_size=len(data),
            file_hash=hashlib.sha1(data, usedforsecurity=False).hexdigest(),
        )
        if spec.focal:
            x, y, focal_width, focal_height = spec.focal
            image.focal_point_x, image.focal_point_y = x, y
            image.focal_point_width, image.focal_point_height = focal_width, focal_height
        image.save()
        images[spec.key] = image
    progress(f"  {len(images)} images drawn into the {', '.join(DEMO_COLLECTIONS)} collections")
    return images


def create_document(
    *, title: str, filename: str, lines: list[str], collection: str, user: AbstractBaseUser
) -> Document:
    data = render_pdf(title, lines)
    document = Document(
        title=title,
        collection=demo_collection(collection),
        uploaded_by_user=user,
        file=ContentFile(data, name=filename),
        file_size=len(data),
        file_hash=hashlib.sha1(data, usedforsecurity=False).hexdigest(),
    )
    document.save()
    return document
