"""A strict reader of iCalendar text (RFC 5545) for the tests: it fails on what the RFC
does not allow (bare line breaks, lines over 75 octets, split characters, bad escapes)."""

from typing import Any

Component = dict[str, Any]


def unfold_strictly(text: str) -> list[str]:
    """The content lines of ``text``, failing on anything RFC 5545 3.1 does not allow."""
    raw = text.encode()
    assert raw.endswith(b"\r\n"), "the last line ends in CRLF"
    physical = raw[:-2].split(b"\r\n")
    for line in physical:
        assert b"\n" not in line and b"\r" not in line, f"a bare line break in {line!r}"
        assert len(line) <= 75, f"{len(line)} octets: {line!r}"
        line.decode()  # each physical line is whole UTF-8: no character split by folding
    lines: list[str] = []
    for line in physical:
        if line.startswith(b" "):
            assert lines, "a continuation line first"
            lines[-1] += line[1:].decode()
        else:
            lines.append(line.decode())
    return lines


def parse(text: str) -> Component:
    """Nested components: {"name", "props": [(name, params, value)], "children": [...]}."""
    root: Component = {"name": "", "props": [], "children": []}
    stack = [root]
    for line in unfold_strictly(text):
        name, params, value = _content_line(line)
        assert name == name.upper() and name, f"bad name in {line!r}"
        if name == "BEGIN":
            child: Component = {"name": value, "props": [], "children": []}
            stack[-1]["children"].append(child)
            stack.append(child)
        elif name == "END":
            assert stack[-1]["name"] == value, f"END:{value} closes {stack[-1]['name']}"
            stack.pop()
        else:
            stack[-1]["props"].append((name, params, value))
    assert len(stack) == 1, "every BEGIN has its END"
    return root


def _content_line(line: str) -> tuple[str, list[str], str]:
    """A content line's name, parameters and value: a quoted parameter value may hold ":",
    ";" and "," (RFC 5545 3.1), never a double quote or a control character."""
    parts, current, quoted = [], "", False
    for at, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif quoted:
            assert ord(char) >= 0x20 and char != "\x7f", f"a control in a quoted value: {line!r}"
        elif char in ";:":
            parts.append(current)
            current = ""
            if char == ":":
                name, *params = parts
                return name, params, line[at + 1 :]
            continue
        current += char
    raise AssertionError(f"no value in {line!r}")


def prop(component: Component, name: str) -> tuple[list[str], str]:
    found = [(params, value) for n, params, value in component["props"] if n == name]
    assert len(found) == 1, f"{name} once in {component['name']}, found {len(found)}"
    return found[0]


def unescape(value: str) -> str:
    out, chars = "", iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            assert following in "\\;,nN", f"bad escape \\{following}"
            out += "\n" if following in "nN" else following
        else:
            assert char not in ";,", f"unescaped {char!r} in a TEXT value"
            out += char
    return out


def event_of(text: str) -> tuple[Component, Component]:
    tree = parse(text)
    (calendar,) = tree["children"]
    assert calendar["name"] == "VCALENDAR"
    assert prop(calendar, "VERSION")[1] == "2.0"
    assert prop(calendar, "PRODID")[1]
    (event,) = [c for c in calendar["children"] if c["name"] == "VEVENT"]
    for required in ("UID", "DTSTAMP", "DTSTART", "DURATION", "RRULE", "SUMMARY", "ORGANIZER"):
        prop(event, required)
    return calendar, event
