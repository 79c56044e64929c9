"""The plain-text part of an e-mail, read from its HTML part as a person would read it: no
head, styles or hidden preheader, no HTML entities, links as "text (url)", paragraphs and
list items on lines of their own."""

import re
from html.parser import HTMLParser

_BLOCKS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "ul", "ol", "li",
    "blockquote", "br", "hr", "section", "header", "footer",
}  # fmt: skip
_SKIPPED = {"head", "style", "script", "title", "template", "noscript"}
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class _TextReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: list[str] = []  # the open elements whose content is not text
        self._links: list[tuple[str, int]] = []  # (href, where the link's text starts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        style = values.get("style", "").replace(" ", "").lower()
        if tag in _SKIPPED or "display:none" in style:
            self._skipping.append(tag)
            return
        if self._skipping:
            if tag == self._skipping[-1]:
                self._skipping.append(tag)  # nested the same: counted to close right
            return
        if tag in _BLOCKS:
            self.parts.append("\n\n" if tag not in {"li", "br", "tr"} else "\n")
        if tag == "li":
            self.parts.append("- ")
        elif tag == "a":
            self._links.append((values.get("href", ""), len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if self._skipping:
            if tag == self._skipping[-1]:
                self._skipping.pop()
            return
        if tag == "a" and self._links:
            href, start = self._links.pop()
            text = _SPACES.sub(" ", "".join(self.parts[start:])).strip()
            del self.parts[start:]
            if text and href and href != text and not href.startswith("#"):
                self.parts.append(f"{text} ({href})")
            elif text:
                self.parts.append(text)
            # a link without text (an image's) says nothing in text
        elif tag in _BLOCKS and tag != "br":
            self.parts.append("\n\n" if tag not in {"li", "tr"} else "\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(_SPACES.sub(" ", data.replace("\n", " ")))

    def text(self) -> str:
        self.close()
        lines = [line.strip() for line in "".join(self.parts).splitlines()]
        return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip() + "\n"


def text_from_html(markup: str) -> str:
    """A readable plain-text version of the e-mail HTML ``markup``."""
    reader = _TextReader()
    reader.feed(markup)
    return reader.text()
