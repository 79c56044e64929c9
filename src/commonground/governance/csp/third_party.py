"""What a piece of HTML loads from other hosts, per CSP directive, as a browser would see it.

One parser for content validation (refuse what the registry has not approved) and the
shadow-IT scan (list what the published site loads); the consent gate (``consent/gate.py``)
holds back what needs the visitor's consent. Links (``<a href>``) load nothing and are not
references. Relative URLs are first-party; so are the site's own hosts, which the caller
passes in.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from ..registry.hosts import normalise_host

SCRIPT = "script-src"
STYLE = "style-src"
IMG = "img-src"
CONNECT = "connect-src"
FRAME = "frame-src"
FORM_ACTION = "form-action"
DIRECTIVES = (SCRIPT, STYLE, IMG, CONNECT, FRAME, FORM_ACTION)

# How a message names what a directive governs, ready for the host: "Scripts from x".
DIRECTIVE_PHRASES = {
    SCRIPT: "scripts from",
    STYLE: "style sheets from",
    IMG: "images and media from",
    CONNECT: "connections to",
    FRAME: "embedded frames from",
    FORM_ACTION: "form submissions to",
}

# (element, attribute) -> directive. srcset is a list of URLs, handled apart.
_URL_ATTRIBUTES: dict[tuple[str, str], str] = {
    ("script", "src"): SCRIPT,
    ("img", "src"): IMG,
    ("input", "src"): IMG,
    ("video", "src"): IMG,
    ("video", "poster"): IMG,
    ("audio", "src"): IMG,
    ("source", "src"): IMG,
    ("track", "src"): IMG,
    ("iframe", "src"): FRAME,
    ("frame", "src"): FRAME,
    ("embed", "src"): FRAME,
    ("object", "data"): FRAME,
    ("form", "action"): FORM_ACTION,
    ("button", "formaction"): FORM_ACTION,
    ("input", "formaction"): FORM_ACTION,
}
_LINK_RELS = {
    "stylesheet": STYLE,
    "preconnect": CONNECT,
    "dns-prefetch": CONNECT,
    "modulepreload": SCRIPT,
    "icon": IMG,
    "apple-touch-icon": IMG,
}
_PRELOAD_AS = {"script": SCRIPT, "style": STYLE, "image": IMG, "font": STYLE, "fetch": CONNECT}
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""", re.I)


@dataclass(frozen=True)
class Reference:
    """One thing loaded from another host: ``url`` as written, ``host`` normalised."""

    directive: str
    host: str
    url: str
    element: str

    @property
    def phrase(self) -> str:
        return DIRECTIVE_PHRASES[self.directive]


@dataclass(frozen=True)
class InlineCode:
    """Script code in the HTML itself, which the site's policy does not run."""

    element: str
    what: str


def url_host(url: str) -> str | None:
    """The normalised host an absolute or protocol-relative http(s) URL loads from, or None
    for a relative URL, another scheme (``data:``, ``mailto:``) or an unusable host."""
    value = url.strip()
    if not value.startswith("//") and not re.match(r"^https?:", value, re.I):
        return None
    try:
        netloc = urlsplit(value).hostname
    except ValueError:
        return None
    if not netloc:
        return None
    try:
        return normalise_host(netloc)
    except ValidationError:
        # An address or a malformed name still loads from somewhere: report it as written.
        return netloc.lower()


def reference(url: str, directive: str, element: str) -> Reference | None:
    host = url_host(url)
    return Reference(directive, host, url.strip(), element) if host else None


# What a page holds back and loads later: the consent gate's data-consent-* attributes
# (restored by consent.js once the visitor agrees) and the video block's player URL (created
# when the visitor presses play). Not loaded yet, but loaded by the same page: the shadow-IT
# scan counts them; validation and the gate, which see the HTML before it is held, need not.
_HELD_ATTRIBUTES: dict[str, tuple[str, str]] = {
    "data-consent-src": ("src", "after consent"),
    "data-consent-srcset": ("srcset", "after consent"),
    "data-embed-url": ("", "on play"),
}


def srcset_urls(value: str) -> list[str]:
    return [candidate.strip().split(" ")[0] for candidate in value.split(",")]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.references: list[Reference] = []
        self.held: list[Reference] = []
        self.inline_code: list[InlineCode] = []
        self._in: str | None = None

    def _add(self, url: str | None, directive: str, element: str) -> None:
        found = reference(url or "", directive, element)
        if found:
            self.references.append(found)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            self._attribute(tag, name, value)
        if tag == "link":
            self._link(values)
        if tag == "script" and "src" not in values and _is_executable(values.get("type")):
            self.inline_code.append(InlineCode("script", "an inline script"))
        if tag in {"style", "script"}:
            self._in = tag

    def _attribute(self, tag: str, name: str, value: str) -> None:
        """What one attribute loads, holds for consent or runs."""
        directive = _URL_ATTRIBUTES.get((tag, name))
        if directive:
            self._add(value, directive, tag)
        if name in {"srcset", "imagesrcset"}:
            for url in srcset_urls(value):
                self._add(url, IMG, tag)
        if name in _HELD_ATTRIBUTES and value:
            self._hold(tag, name, value)
        if name == "style":
            self._css(value, tag)
        if name.startswith("on"):
            self.inline_code.append(InlineCode(tag, f"an {name} handler"))
        if name in {"href", "src", "action", "formaction"} and value.strip().lower().startswith(
            "javascript:"
        ):
            self.inline_code.append(InlineCode(tag, "a javascript: URL"))

    def _link(self, values: dict[str, str]) -> None:
        """What a <link> loads, by each of its rel values (a preload by its "as")."""
        for rel in values.get("rel", "").lower().split():
            directive = _LINK_RELS.get(rel)
            if rel == "preload":
                directive = _PRELOAD_AS.get(values.get("as", "").lower())
            if directive:
                self._add(values.get("href"), directive, "link")

    def _hold(self, tag: str, name: str, value: str) -> None:
        attribute, when = _HELD_ATTRIBUTES[name]
        if attribute == "srcset":
            urls, directive = srcset_urls(value), IMG
        else:
            urls = [value]
            directive = _URL_ATTRIBUTES.get((tag, attribute), "") if attribute else FRAME
        for url in urls:
            found = reference(url, directive, f"{tag}, {when}") if directive else None
            if found:
                self.held.append(found)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._in = None

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "style":
            self._css(data, "style")

    def _css(self, css: str, element: str) -> None:
        for match in _CSS_URL.finditer(css):
            url = match.group(2) or match.group(4) or ""
            directive = STYLE if match.group(4) else IMG
            self._add(url, directive, element)


def _is_executable(script_type: str | None) -> bool:
    """Whether a <script> of this type runs (data blocks such as JSON-LD do not)."""
    kind = (script_type or "").strip().lower()
    return kind in {"", "module", "text/javascript", "application/javascript"}


@dataclass(frozen=True)
class Findings:
    references: tuple[Reference, ...]  # loaded as the page loads
    inline_code: tuple[InlineCode, ...]
    held: tuple[Reference, ...]  # loaded only after the visitor's consent or click


def inspect_html(html: str) -> Findings:
    """Every third-party-capable reference, every piece of inline code, and what the page
    holds back for consent or a click, in ``html`` (one parse)."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return Findings(
        tuple(collector.references), tuple(collector.inline_code), tuple(collector.held)
    )


def third_party(references: Iterable[Reference], own_hosts: Iterable[str]) -> list[Reference]:
    """``references`` without those to the site's own hosts, each (directive, host) once."""
    own = set(own_hosts)
    seen: dict[tuple[str, str], Reference] = {}
    for found in references:
        if found.host not in own:
            seen.setdefault((found.directive, found.host), found)
    return list(seen.values())
