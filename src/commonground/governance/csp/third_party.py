"""What a piece of HTML loads from other hosts, per CSP directive, as a browser would see it.

Parsed as a browser parses (html5lib, the WHATWG algorithm), never with Python's
``HTMLParser``, which reads comments, <noscript>, foreign content and entities otherwise.
One parser for content validation (refuse what the registry has not approved) and the
shadow-IT scan (list what the published site loads); the consent gate (``consent/gate.py``)
holds back what needs the visitor's consent. Links (``<a href>``) load nothing and are not
references. Relative URLs are first-party; so are the site's own hosts, which the caller
passes in.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit
from xml.etree import ElementTree

import html5lib
from django.core.exceptions import ValidationError

from ..registry.hosts import normalise_host
from .script_vectors import InlineCode, element_vectors

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
# (restored by consent.js once the visitor agrees: any URL attribute, a style attribute, or
# a <style>'s sheet as data-consent-css) and the video block's player URL (created when the
# visitor presses play). Not loaded yet, but loaded by the same page: the shadow-IT scan
# counts them; validation and the gate, which see the HTML before it is held, need not.
_HELD_PREFIX = "data-consent-"
_HELD_NOT_URLS = {"data-consent-purpose", "data-consent-type"}
_HELD_ATTRIBUTES: dict[str, tuple[str, str]] = {"data-embed-url": ("", "on play")}


def srcset_urls(value: str) -> list[str]:
    return [candidate.strip().split(" ")[0] for candidate in value.split(",")]


class _Collector:
    """Walks the tree an HTML5 parser built, as a browser would have built it."""

    def __init__(self) -> None:
        self.references: list[Reference] = []
        self.held: list[Reference] = []
        self.inline_code: list[InlineCode] = []

    def _add(self, url: str | None, directive: str, element: str) -> None:
        found = reference(url or "", directive, element)
        if found:
            self.references.append(found)

    def walk(self, fragment: ElementTree.Element, *, loads: bool = True) -> None:
        """Collect from every element of ``fragment``; its code always, what it loads when
        ``loads`` (a second reading of the same markup adds no new reference)."""
        for element in fragment.iter():
            if not isinstance(element.tag, str) or element.tag == "DOCUMENT_FRAGMENT":
                continue  # comments: the parser already read what they hide
            namespace, _, local = element.tag.rpartition("}")
            tag = local.lower()
            values = {_attribute_name(name): value for name, value in element.attrib.items()}
            self.inline_code += element_vectors(
                tag, namespace.lstrip("{"), values, element.text or ""
            )
            if not loads:
                continue
            for name, value in values.items():
                self._attribute(tag, name, value, values)
            if tag == "link":
                self._link(values)
            if tag == "style":
                self._css(element.text or "", "style")

    def _attribute(self, tag: str, name: str, value: str, values: dict[str, str]) -> None:
        """What one attribute loads or holds for consent."""
        if name.startswith(_HELD_PREFIX) and name not in _HELD_NOT_URLS and value:
            self._held_for_consent(tag, name.removeprefix(_HELD_PREFIX), value, values)
            return
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

    def _link(self, values: dict[str, str]) -> None:
        """What a <link> loads, by each of its rel values (a preload by its "as")."""
        for rel in values.get("rel", "").lower().split():
            directive = _LINK_RELS.get(rel)
            if rel == "preload":
                directive = _PRELOAD_AS.get(values.get("as", "").lower())
            if directive:
                self._add(values.get("href"), directive, "link")

    def _held_for_consent(
        self, tag: str, attribute: str, value: str, values: dict[str, str]
    ) -> None:
        """What the held ``attribute`` will load once consent restores it, as held."""
        loaded, self.references = self.references, []
        if attribute == "css":
            self._css(value, tag)
        elif tag == "link" and attribute == "href":
            self._link({**values, "href": value})
        else:
            self._attribute(tag, attribute, value, values)
        when = f"{tag}, after consent"
        self.held += [replace(found, element=when) for found in self.references]
        self.references = loaded

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

    def _css(self, css: str, element: str) -> None:
        for match in _CSS_URL.finditer(css):
            url = match.group(2) or match.group(4) or ""
            directive = STYLE if match.group(4) else IMG
            self._add(url, directive, element)


def _attribute_name(name: str) -> str:
    """An attribute's name as the checks read it: xlink:href as href, others lower case."""
    return name.rsplit("}", 1)[-1] if name.startswith("{") else name


def _parse(html: str, *, scripting: bool) -> ElementTree.Element:
    """``html`` as a browser parses it inside the page's body (with scripting on, <noscript>
    holds text; off, markup: a snippet must be harmless read either way)."""
    fragment: ElementTree.Element = html5lib.parseFragment(
        html,
        container="div",
        treebuilder="etree",
        namespaceHTMLElements=False,
        scripting=scripting,
    )
    return fragment


@dataclass(frozen=True)
class Findings:
    references: tuple[Reference, ...]  # loaded as the page loads
    inline_code: tuple[InlineCode, ...]
    held: tuple[Reference, ...]  # loaded only after the visitor's consent or click


def inspect_html(html: str) -> Findings:
    """Every third-party-capable reference, every way to run code, and what the page holds
    back for consent or a click, in ``html``.

    Read five ways, as the browser could end up reading it: parsed inside the page's body
    with scripting on and off, each parse serialised and parsed again (markup that changes
    meaning when written back out, as in mutation XSS through <noscript>, <template> or
    comments), and as a document of its own."""
    collector = _Collector()
    for scripting in (True, False):
        tree = _parse(html, scripting=scripting)
        collector.walk(tree)  # what <noscript> loads counts too: some visitors load it
        again = html5lib.serialize(tree, tree="etree", quote_attr_values="always")
        collector.walk(_parse(again, scripting=scripting), loads=False)
    # As a whole document too: a <body> or <html> tag in content adds its attributes (an
    # onload) to the page's own element, which a fragment parse drops.
    document = html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)
    collector.walk(document, loads=False)
    return Findings(
        tuple(dict.fromkeys(collector.references)),
        tuple(dict.fromkeys(collector.inline_code)),
        tuple(dict.fromkeys(collector.held)),
    )


def third_party(references: Iterable[Reference], own_hosts: Iterable[str]) -> list[Reference]:
    """``references`` without those to the site's own hosts, each (directive, host) once."""
    own = set(own_hosts)
    seen: dict[tuple[str, str], Reference] = {}
    for found in references:
        if found.host not in own:
            seen.setdefault((found.directive, found.host), found)
    return list(seen.values())
