"""The consent gate: what in an editor's HTML needs the visitor's consent is written inert."""

from collections.abc import Callable
from html import escape
from html.parser import HTMLParser

from ..csp.third_party import srcset_urls, url_host

# The consent gate: elements from a host that needs consent are written inert, with the
# real URL in a data- attribute that consent.js restores once the visitor agrees.
_GATED = {("script", "src"), ("iframe", "src"), ("img", "src"), ("img", "srcset")}


class _Gate(HTMLParser):
    def __init__(self, purpose_for_host: Callable[[str], str | None]) -> None:
        super().__init__(convert_charrefs=False)
        self.purpose_for_host = purpose_for_host
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or ""
        purpose = None
        for name, value in attrs:
            if (tag, name) in _GATED and value:
                host = url_host(srcset_urls(value)[0])
                purpose = purpose or (self.purpose_for_host(host) if host else None)
        if purpose is None:
            self.out.append(raw)
            return
        self.out.append(_inert_tag(tag, attrs, purpose, closed=raw.endswith("/>")))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.out.append(f"<![{data}]>")


def _inert_tag(tag: str, attrs: list[tuple[str, str | None]], purpose: str, *, closed: bool) -> str:
    parts = [tag]
    for name, value in attrs:
        if (tag, name) in _GATED or (tag == "script" and name == "type"):
            name = f"data-consent-{name}"
        parts.append(name if value is None else f'{name}="{escape(value, quote=True)}"')
    parts.append(f'data-consent-purpose="{escape(purpose, quote=True)}"')
    if tag == "script":
        parts.append('type="text/plain"')
    return "<" + " ".join(parts) + (" />" if closed else ">")


def hold_for_consent(html: str, purpose_for_host: Callable[[str], str | None]) -> str:
    """``html`` with every script, frame and image from a host that needs consent made inert
    (``purpose_for_host`` names the consent purpose, or None for hosts that need none)."""
    gate = _Gate(purpose_for_host)
    gate.feed(html)
    gate.close()
    return "".join(gate.out)
