"""The consent gate: what in an editor's HTML loads from a host that needs consent is written
inert, its URL-bearing attributes kept under ``data-consent-*`` names that consent.js
restores once the visitor agrees to every purpose named in ``data-consent-purpose``.

The HTML is parsed as a browser parses it (html5lib, the WHATWG algorithm, scripting on) and
written back from that tree, so what the gate sees is what Chromium will build: no markup
that one parser reads as text and the other as an element. CSS (``style`` attributes,
``<style>`` elements, SVG presentation attributes) is tokenised by tinycss2, the CSS Syntax
algorithm, so escapes such as ``u\\72l(`` or ``pixel\\2e ads.example`` are read as a browser
reads them.
"""

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import unquote

import html5lib
import tinycss2
from tinycss2 import ast as css

from ..csp.third_party import url_host

PurposeForHost = Callable[[str], str | None]
IntegrityForUrl = Callable[[str], str | None]

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
PREFIX = "data-consent-"
PURPOSE = "data-consent-purpose"

# Attributes holding one URL (or a srcset's list) that the browser fetches without a click,
# per element; ``*`` is every element. Each is written as data-consent-<name> when held.
_URL_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "*": ("background",),  # legacy, still fetched on <table>, <td>...
    "script": ("src",),
    "iframe": ("src",),
    "frame": ("src",),
    "img": ("srcset", "src"),
    "source": ("srcset", "src"),
    "video": ("poster", "src"),
    "audio": ("src",),
    "track": ("src",),
    "input": ("src",),  # <input type=image>; a type changed later must not load it either
    "embed": ("src",),
    "object": ("data",),
    "link": ("imagesrcset", "href"),
    "a": ("ping",),
    "area": ("ping",),
}
_SRCSET = {"srcset", "imagesrcset"}
_SPACE_SEPARATED = {"ping"}
_SVG_URL_ELEMENTS = {"image", "feimage", "use", "script"}
# SVG attributes that take a CSS url(); consent.js restores exactly these.
_SVG_CSS_ATTRIBUTES = {"fill", "stroke", "filter", "mask", "clip-path", "cursor"}
_MAX_SRCDOC_DEPTH = 3
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))
_HTTP_SCHEME = re.compile(r"^https?:[/]*", re.IGNORECASE)


def loading_host(url: str) -> str | None:
    """The host a browser fetches ``url`` from, read as the URL Standard does: tabs and
    newlines removed anywhere, control characters and spaces trimmed, backslashes taken as
    slashes, any number of slashes after ``http:``, percent-escapes in the host decoded.
    None for a relative URL or another scheme."""
    value = _TAB_OR_NEWLINE.sub("", url).strip(_C0_AND_SPACE).replace("\\", "/")
    scheme = _HTTP_SCHEME.match(value)
    if scheme:
        rest = value[scheme.end() :]
    elif value.startswith("//"):
        rest = value.lstrip("/")
    else:
        return None
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0].rsplit("@", 1)[-1]
    host = unquote(authority)
    if not host or any(char in host for char in "/?#@"):
        return None
    return url_host("//" + host)


def _srcset_urls(value: str) -> list[str]:
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


def _attribute_urls(name: str, value: str) -> list[str]:
    if name in _SRCSET:
        return _srcset_urls(value)
    if name in _SPACE_SEPARATED:
        return value.split()
    return [value]


def css_urls(text: str) -> Iterator[str]:
    """Every URL ``text`` (a style sheet, a declaration list or a value) may load: url()
    tokens and functions, and every string (``@import "..."``, ``image-set("...")``): a
    string that is no URL is simply not from a held host."""
    stack: list[object] = list(tinycss2.parse_component_value_list(text))
    while stack:
        node = stack.pop()
        if isinstance(node, css.URLToken | css.StringToken):
            yield node.value
        elif isinstance(node, css.FunctionBlock):
            stack.extend(node.arguments)
        elif isinstance(
            node, css.ParenthesesBlock | css.SquareBracketsBlock | css.CurlyBracketsBlock
        ):
            stack.extend(node.content)


class _Gate:
    def __init__(
        self, purpose_for_host: PurposeForHost, integrity_for: IntegrityForUrl | None = None
    ) -> None:
        self.purpose_for_host = purpose_for_host
        self.integrity_for = integrity_for

    def purposes_of(self, urls: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for url in urls:
            host = loading_host(url)
            purpose = self.purpose_for_host(host) if host else None
            if purpose:
                found.add(purpose)
        return found

    def hold(self, element: Any, depth: int) -> None:
        """Make ``element`` inert when anything it loads needs consent (in place)."""
        if not isinstance(element.tag, str):
            return  # a comment
        attrs: dict[str, str] = element.attrib
        for name in [name for name in attrs if name.lower().startswith(PREFIX)]:
            del attrs[name]  # only the gate writes these: an editor's would be restored
        in_svg = element.tag.startswith(SVG)
        name = element.tag.removeprefix(SVG).lower()
        held = self.held_attributes(name, attrs, in_svg=in_svg)
        if name == "style":
            sheet = self.purposes_of(css_urls(element.text or ""))
            if sheet:
                # Out of the element's text: Chromium's preload scanner fetches a <style>'s
                # @import whatever its type. consent.js writes it back.
                attrs[PREFIX + "css"] = element.text or ""
                element.text = ""
                held["type"] = sheet
        if name == "script" and self.integrity_for and attrs.get("src", "").strip():
            # The reviewed hash (governance/scripts), before the script is made inert, so
            # consent.js restores it with its integrity (the browser refuses other bytes).
            integrity = self.integrity_for(attrs["src"].strip())
            if integrity:
                attrs["integrity"], attrs["crossorigin"] = integrity, "anonymous"
        if name == "script" and held:
            held["type"] = set().union(*held.values())
        if name == "iframe" and "srcdoc" in attrs:
            if depth < _MAX_SRCDOC_DEPTH:
                attrs["srcdoc"] = self.gated(attrs["srcdoc"], depth + 1)
            else:  # frames in frames in frames: nothing a snippet needs, not read further
                del attrs["srcdoc"]
        if held:
            _make_inert(name, attrs, held)

    def held_attributes(
        self, name: str, attrs: dict[str, str], *, in_svg: bool
    ) -> dict[str, set[str]]:
        """Attribute -> the purposes it needs, for each attribute that loads from a host
        that needs consent."""
        held: dict[str, set[str]] = {}
        url_names = (*_URL_ATTRIBUTES["*"], *_URL_ATTRIBUTES.get(name, ()))
        if in_svg:
            url_names = ("href", XLINK_HREF) if name in _SVG_URL_ELEMENTS else ()
        for attribute in url_names:
            if attrs.get(attribute):
                purposes = self.purposes_of(_attribute_urls(attribute, attrs[attribute]))
                if purposes:
                    held[attribute] = purposes
        css_attributes = ["style"]
        if in_svg:  # presentation attributes: fill="url(...)", filter="url(...)"...
            css_attributes += [key for key in attrs if key in _SVG_CSS_ATTRIBUTES]
        for attribute in css_attributes:
            if attribute in attrs:
                purposes = self.purposes_of(css_urls(attrs[attribute]))
                if purposes:
                    held[attribute] = purposes
        return held

    def gated(self, html: str, depth: int = 0) -> str:
        fragment = html5lib.parseFragment(
            html, treebuilder="etree", namespaceHTMLElements=False, scripting=True
        )
        for element in list(fragment.iter()):
            if element is not fragment:
                self.hold(element, depth)
        return str(
            html5lib.serialize(
                fragment,
                tree="etree",
                quote_attr_values="always",
                omit_optional_tags=False,
                escape_lt_in_attrs=True,
                resolve_entities=False,
            )
        )


def _make_inert(name: str, attrs: dict[str, str], held: dict[str, set[str]]) -> None:
    for attribute in list(attrs):
        if attribute in held:
            value = attrs.pop(attribute)
            inert = "href" if attribute == XLINK_HREF else attribute
            if attribute != "type" or value:
                attrs[PREFIX + inert] = value
    if name in {"script", "style"}:
        attrs["type"] = "text/plain"  # neither runs nor applies, nor fetches what it names
    attrs[PURPOSE] = " ".join(sorted(set().union(*held.values())))


def hold_for_consent(
    html: str, purpose_for_host: PurposeForHost, integrity_for: IntegrityForUrl | None = None
) -> str:
    """``html`` with every element and style that would load from a host that needs consent
    made inert (``purpose_for_host`` names the host's consent purpose, or None for hosts that
    need none), and each script whose URL IT reviewed carrying its ``integrity_for`` hash."""
    return _Gate(purpose_for_host, integrity_for).gated(html)
