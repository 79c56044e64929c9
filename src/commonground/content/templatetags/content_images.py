"""Image template tags: responsive <picture> elements and absolute social-sharing image URLs."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import template
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from wagtail.images.models import AbstractImage, AbstractRendition, SourceImageIOError

from commonground.core.pages.page_cache import depends_on

from ..presentation.hero_contrast import scrim_alpha_for

register = template.Library()

DEFAULT_WIDTHS: tuple[int, ...] = (400, 800, 1200, 1600)
SOCIAL_IMAGE_SPEC = "fill-1200x630"

_FILL = re.compile(r"^fill-(?P<w>\d+)x(?P<h>\d+)(?P<crop>-c\d+)?$")
_MAX = re.compile(r"^max-(?P<w>\d+)x(?P<h>\d+)$")
_WIDTH = re.compile(r"^width-(?P<w>\d+)$")


@dataclass(frozen=True)
class SizedSpec:
    """A resize spec split into a width-dependent family so we can derive srcset candidates."""

    nominal_width: int
    aspect: float | None  # height / width, None when the height follows the source image
    family: str  # "fill", "max", "width" or "original"
    crop_suffix: str = ""

    def at_width(self, width: int) -> str:
        if self.family == "fill" and self.aspect is not None:
            return f"fill-{width}x{max(1, round(width * self.aspect))}{self.crop_suffix}"
        if self.family == "max" and self.aspect is not None:
            return f"max-{width}x{max(1, round(width * self.aspect))}"
        if self.family == "width":
            return f"width-{width}"
        return "original"


def parse_spec(spec: str, original_width: int) -> SizedSpec:
    if match := _FILL.match(spec):
        width = int(match["w"])
        return SizedSpec(width, int(match["h"]) / width, "fill", match["crop"] or "")
    if match := _MAX.match(spec):
        width = int(match["w"])
        return SizedSpec(width, int(match["h"]) / width, "max")
    if match := _WIDTH.match(spec):
        return SizedSpec(int(match["w"]), None, "width")
    # Anything else (original, scale-50, height-...) is rendered as given at one size.
    return SizedSpec(original_width, None, "original")


def candidate_widths(spec: SizedSpec, original_width: int, widths: Iterable[int]) -> list[int]:
    """Widths worth rendering: the standard steps plus the nominal width, never above the source."""
    if spec.family == "original":
        return [original_width]
    # Up to 2x the nominal width serves dense screens; beyond the source is upscaling.
    steps = tuple(widths)
    largest_step = max(steps, default=spec.nominal_width)
    ceiling = min(
        original_width, max(spec.nominal_width, min(spec.nominal_width * 2, largest_step))
    )
    chosen = {w for w in steps if w <= ceiling}
    chosen.add(min(spec.nominal_width, original_width))
    chosen.add(ceiling)
    return sorted(w for w in chosen if w > 0)


def _srcset(renditions: list[AbstractRendition]) -> str:
    seen: dict[int, str] = {}
    for rendition in renditions:
        seen.setdefault(rendition.width, rendition.url)
    return ", ".join(f"{url} {width}w" for width, url in sorted(seen.items()))


def _alt_text(image: Any, alt: str | None) -> str:
    if alt is not None:
        return alt
    # ImageBlock values carry the editor's per-use alt text (empty when decorative).
    if getattr(image, "decorative", False):
        return ""
    contextual = getattr(image, "contextual_alt_text", None)
    if contextual:
        return str(contextual)
    return str(getattr(image, "default_alt_text", "") or image.title)


def _parse_widths(widths: str | Iterable[int] | None) -> tuple[int, ...]:
    if widths is None:
        return DEFAULT_WIDTHS
    if isinstance(widths, str):
        return tuple(int(part) for part in widths.replace(",", " ").split() if part.isdigit())
    return tuple(int(w) for w in widths)


@register.simple_tag
def hero_scrim(image: AbstractImage | None) -> str:
    """The scrim opacity (e.g. "0.45") that keeps the hero's text at 4.5:1 over ``image``."""
    if not image:
        return ""
    depends_on(f"image:{image.pk}")
    return f"{scrim_alpha_for(image):.2f}"


@register.simple_tag
def responsive_image(
    image: AbstractImage | None,
    spec: str = "width-1200",
    *,
    sizes: str = "100vw",
    alt: str | None = None,
    loading: str = "lazy",
    widths: str | Iterable[int] | None = None,
    **attrs: Any,
) -> SafeString:
    """A <picture> with WebP and original-format srcsets at several widths.

    ``loading="eager"`` is for the hero image (also sets fetchpriority=high); any other
    keyword (``class``, ``id``...) becomes an attribute of the <img>.
    """
    if not image:
        return SafeString("")
    depends_on(f"image:{image.pk}")
    original_width = int(image.width or 0) or 1
    sized = parse_spec(spec, original_width)
    steps = candidate_widths(sized, original_width, _parse_widths(widths))
    fallback_specs = [sized.at_width(w) for w in steps]
    webp_specs = [f"{s}|format-webp" for s in fallback_specs]
    try:
        renditions = image.get_renditions(*fallback_specs, *webp_specs)
    except SourceImageIOError:
        # A missing source file should cost one image, not the whole page.
        return format_html(
            '<span class="image-missing" role="img" aria-label="{}"></span>',
            _alt_text(image, alt),
        )
    fallback = [renditions[s] for s in fallback_specs]
    webp = [renditions[s] for s in webp_specs]
    nominal = min(sized.nominal_width, original_width)
    default = next(
        (r for s, r in zip(fallback_specs, fallback, strict=True) if s == sized.at_width(nominal)),
        fallback[-1],
    )
    img_attrs: dict[str, Any] = {
        "src": default.url,
        "srcset": _srcset(fallback),
        "sizes": sizes,
        "width": default.width,
        "height": default.height,
        "alt": _alt_text(image, alt),
        "loading": "eager" if loading == "eager" else "lazy",
        "decoding": "async",
    }
    if loading == "eager":
        img_attrs["fetchpriority"] = "high"
    img_attrs.update({k.replace("_", "-"): v for k, v in attrs.items() if v not in (None, "")})
    return format_html(
        '<picture><source type="image/webp" srcset="{}" sizes="{}"><img{}></picture>',
        _srcset(webp),
        sizes,
        format_html_join("", ' {}="{}"', img_attrs.items()),
    )


@register.simple_tag(takes_context=True)
def social_image_url(context: template.Context, image: AbstractImage | None) -> str:
    """Absolute URL of the 1200x630 sharing rendition of ``image``, or "" without one."""
    if not image:
        return ""
    depends_on(f"image:{image.pk}")
    try:
        rendition = image.get_rendition(SOCIAL_IMAGE_SPEC)
    except SourceImageIOError:
        return ""
    request: HttpRequest | None = context.get("request")
    if request is None or rendition.url.startswith(("http://", "https://")):
        return str(rendition.url)
    return request.build_absolute_uri(rendition.url)
