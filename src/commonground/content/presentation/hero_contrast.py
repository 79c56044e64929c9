"""How strong a hero's scrim must be for its text to stay readable (WCAG contrast 4.5:1)
over its own image, measured from a small rendition, instead of one heavy darkening for all.

The image is cut into a grid; each cell's average colour stands for the background under a
few words. The scrim (the brand's navy at some opacity, laid over the whole image) is the
lightest that gives every cell at least 4.5:1 with the hero's palest text colour: a dark
photo keeps most of its colour, a bright one gets what it needs, no more.
"""

from collections.abc import Iterable

from django.core.cache import caches
from PIL import Image

SCRIM_RGB = (11, 37, 69)  # --color-brand
TEXT_RGB = (0xDB, 0xE4, 0xF0)  # the lede's colour, paler than the white title
TARGET = 4.6  # 4.5:1 with a little room for rounding and JPEG noise
MIN_ALPHA, MAX_ALPHA = 0.2, 0.95
GRID = (8, 6)
SAMPLE_SPEC = "fill-96x54"


def _channel(value: float) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: Iterable[float]) -> float:
    r, g, b = (_channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: Iterable[float], b: Iterable[float]) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _over(rgb: tuple[float, ...], alpha: float) -> tuple[float, ...]:
    return tuple(alpha * s + (1 - alpha) * c for s, c in zip(SCRIM_RGB, rgb, strict=True))


def alpha_for(rgb: tuple[float, ...]) -> float:
    """The least scrim opacity (in steps of 0.05) over ``rgb`` that meets the target."""
    for step in range(0, 20):
        alpha = step / 20
        if contrast(TEXT_RGB, _over(rgb, alpha)) >= TARGET:
            return alpha
    return 1.0


def cell_colours(image: Image.Image) -> list[tuple[float, ...]]:
    rgb = image.convert("RGB")
    columns, rows = GRID
    width, height = rgb.size
    colours = []
    for row in range(rows):
        for column in range(columns):
            box = (
                column * width // columns,
                row * height // rows,
                max((column + 1) * width // columns, column * width // columns + 1),
                max((row + 1) * height // rows, row * height // rows + 1),
            )
            cell = rgb.crop(box).resize((1, 1), Image.Resampling.BOX)
            pixel = cell.getpixel((0, 0))
            assert isinstance(pixel, tuple)
            colours.append(tuple(float(v) for v in pixel))
    return colours


def scrim_alpha(image: Image.Image) -> float:
    needed = max(alpha_for(colour) for colour in cell_colours(image))
    return round(min(MAX_ALPHA, max(MIN_ALPHA, needed)), 2)


def scrim_alpha_for(content_image: object) -> float:
    """The scrim for a Wagtail image, from a small rendition; remembered per file."""
    file_hash = getattr(content_image, "file_hash", "") or ""
    key = f"hero-scrim:{getattr(content_image, 'pk', '')}:{file_hash}"
    cache = caches["default"]
    remembered = cache.get(key)
    if remembered is not None:
        return float(remembered)
    try:
        rendition = content_image.get_rendition(SAMPLE_SPEC)  # type: ignore[attr-defined]
        with rendition.file.open("rb") as handle, Image.open(handle) as picture:
            alpha = scrim_alpha(picture)
    except (OSError, ValueError):
        return MAX_ALPHA  # unreadable: the safe, dark scrim
    cache.set(key, alpha, 30 * 24 * 3600)
    return alpha
