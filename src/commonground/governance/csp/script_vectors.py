"""Which parsed element carries a way to run code: the rules content is refused by on save.

Applied to each element as an HTML5 parser (``third_party``) builds it, so every value here
is what the browser sees: entities decoded, names lower-cased, SVG and MathML in their own
namespace. URLs are normalised as the URL parser does before it reads the scheme (leading
and trailing control characters and spaces dropped, tabs and newlines removed anywhere).
"""

import re
from dataclasses import dataclass

SVG = "http://www.w3.org/2000/svg"
MATHML = "http://www.w3.org/1998/Math/MathML"

# <script type> values that are data, not code; every other type is refused (browsers run
# a dozen JavaScript types, "module", and "importmap"/"speculationrules" steer loading).
DATA_BLOCK_TYPES = {"application/json", "application/ld+json"}

# Attributes the browser reads as a URL, on whatever element (href on SVG and MathML
# elements included), and those consent.js or the video block turn into one later.
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "poster",
    "background",
    "cite",
    "codebase",
    "longdesc",
    "lowsrc",
    "dynsrc",
    "manifest",
    "ping",
    "profile",
    "usemap",
    "icon",
    "itemtype",
    "data-consent-src",
    "data-embed-url",
}
URL_LIST_ATTRIBUTES = {"srcset", "imagesrcset", "data-consent-srcset"}
SCRIPT_SCHEMES = {"javascript", "vbscript", "livescript", "data", "blob", "filesystem"}
# Elements that exist to run code, replace the page's address or load a plug-in.
REFUSED_ELEMENTS = {
    "base": "a <base> element (it redirects every relative address on the page)",
    "object": "an <object> element (plug-in content runs outside the page's policy)",
    "embed": "an <embed> element (plug-in content runs outside the page's policy)",
    "applet": "an <applet> element",
    "portal": "a <portal> element",
}
# SVG animation elements that can write an attribute, and so a javascript: href.
ANIMATION_ELEMENTS = {"animate", "set", "animatemotion", "animatetransform", "animatecolor"}
ANIMATION_VALUES = ("values", "from", "to", "by")
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\n\r\f]?|\\(.)", re.S)
_CSS_COMMENT = re.compile(r"/\*.*?(\*/|$)", re.S)
_CSS_VECTORS = (
    ("expression(", "a CSS expression()"),
    ("javascript:", "a javascript: URL in CSS"),
    ("vbscript:", "a vbscript: URL in CSS"),
    ("-moz-binding", "a CSS -moz-binding"),
    ("behavior:", "a CSS behavior"),
)
_URL_STRIP = "".join(chr(code) for code in range(0x21))  # C0 controls and space
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


@dataclass(frozen=True)
class InlineCode:
    """A way to run code in the HTML itself: ``what`` names it for the editor."""

    element: str
    what: str


def url_scheme(value: str) -> str:
    """The scheme a browser reads from an attribute's URL ("" for a relative URL)."""
    cleaned = _TAB_OR_NEWLINE.sub("", value.strip(_URL_STRIP))
    match = _SCHEME.match(cleaned)
    return match.group(1).lower() if match else ""


def _is_image_data(tag: str, attribute: str, value: str) -> bool:
    """A data:image/* URL where the browser shows it as an image (and so runs nothing)."""
    cleaned = _TAB_OR_NEWLINE.sub("", value.strip(_URL_STRIP)).lower()
    is_image_slot = tag in {"img", "source"} and attribute in {"src", "srcset", "data-consent-src"}
    return is_image_slot and cleaned.startswith("data:image/")


def _local(name: str) -> str:
    """``{namespace}name`` (html5lib's form for SVG, MathML and xlink names) as ``name``."""
    return name.rsplit("}", 1)[-1].lower()


def css_vectors(css: str, element: str) -> list[InlineCode]:
    """What in a style sheet or a style attribute runs code, once CSS escapes and comments
    are read as the CSS parser reads them."""
    decoded = _CSS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), css)
    decoded = re.sub(r"\s+", "", _CSS_COMMENT.sub("", decoded)).lower()
    return [InlineCode(element, what) for needle, what in _CSS_VECTORS if needle in decoded]


def _url_vectors(tag: str, name: str, value: str, where: str) -> list[InlineCode]:
    values = [value]
    if name in URL_LIST_ATTRIBUTES:
        values = [candidate.strip().split(" ")[0] for candidate in value.split(",")]
    found = []
    for url in values:
        scheme = url_scheme(url)
        if scheme in SCRIPT_SCHEMES and not _is_image_data(tag, name, url):
            found.append(InlineCode(where, f"a {scheme}: URL in its {name} attribute"))
    return found


def element_vectors(
    tag: str, namespace: str, attributes: dict[str, str], text: str
) -> list[InlineCode]:
    """Every way ``tag`` (local name, lower case) with these attributes and text runs code."""
    where = f"{'svg ' if namespace == SVG else 'math ' if namespace == MATHML else ''}{tag}"
    found = _tag_vectors(tag, namespace, attributes, where)
    if tag == "style" and text:
        found += css_vectors(text, where)
    for raw_name, value in attributes.items():
        found += _attribute_vectors(tag, _local(raw_name), value, where)
    return found


def _tag_vectors(
    tag: str, namespace: str, attributes: dict[str, str], where: str
) -> list[InlineCode]:
    """What the element itself runs or replaces, whatever its attributes' values."""
    found = []
    if tag in REFUSED_ELEMENTS:
        found.append(InlineCode(where, REFUSED_ELEMENTS[tag]))
    kind = attributes.get("type", "").strip().lower()
    if tag == "script" and "src" not in attributes and kind not in DATA_BLOCK_TYPES:
        found.append(InlineCode(where, "an inline script"))  # a src is checked as a URL
    if tag == "meta" and "http-equiv" in attributes:
        found.append(InlineCode(where, f"a <meta http-equiv={attributes['http-equiv']}>"))
    if namespace == SVG and tag in ANIMATION_ELEMENTS:
        target = _local(attributes.get("attributename", attributes.get("attributeName", "")))
        target = target.rsplit(":", 1)[-1].strip()  # xlink:href is href
        written = " ".join(attributes.get(key, "") for key in ANIMATION_VALUES)
        if target in URL_ATTRIBUTES or target.startswith("on") or "script:" in written.lower():
            found.append(InlineCode(where, f"an SVG <{tag}> that writes {target or 'a URL'}"))
    return found


def _attribute_vectors(tag: str, name: str, value: str, where: str) -> list[InlineCode]:
    if name.startswith("on"):
        return [InlineCode(where, f"an {name} handler")]
    if name == "srcdoc":
        return [InlineCode(where, "a srcdoc document (it runs its own scripts)")]
    if name == "style":
        return css_vectors(value, where)
    if name in URL_ATTRIBUTES or name in URL_LIST_ATTRIBUTES:
        return _url_vectors(tag, name, value, where)
    return []
