"""Browser, operating system, device class and bot flag from a User-Agent header (ua-parser)."""

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from ua_parser import BestAvailableResolver, Parser, load_lazy_builtins

from commonground.analytics.ingest.enrichment.bots import is_bot_user_agent

Device = Literal["desktop", "mobile", "tablet"]

# Longer headers are cut before parsing: no browser sends one, and the regexes stay cheap.
MAX_USER_AGENT_LENGTH = 512

# ua-parser names mobile builds separately; the device column already says "mobile".
BROWSER_NAMES: dict[str, str] = {
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "Chrome WebView",
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "Safari WebView",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Edge Mobile": "Edge",
    "Opera Mobile": "Opera",
    "Samsung Internet": "Samsung Internet",
    "Other": "",
}
OS_NAMES: dict[str, str] = {
    "Mac OS X": "macOS",
    "Other": "",
}

# Android tablets leave "Mobile" out of the header (Google's own guidance); the rest are named.
# Matched against the lower-cased header; plain substring tests cost ~0.1 us each.
TABLET_TOKENS: tuple[str, ...] = (
    "ipad",
    "tablet",
    "kindle",
    "silk/",
    "playbook",
    "lenovo tb",
    "mediapad",
)
_TABLET_MODELS = re.compile(r"nexus (?:7|9|10)\b|sm-[tx]\d")
MOBILE_TOKENS: tuple[str, ...] = (
    "mobi",
    "iphone",
    "ipod",
    "android",
    "windows phone",
    "blackberry",
    "bb10",
    "opera mini",
    "kaios",
)

# Our own resolver without ua-parser's cache: parse_user_agent keeps an lru_cache of results.
_PARSER = Parser(BestAvailableResolver(load_lazy_builtins()))


@dataclass(frozen=True, slots=True)
class UserAgentInfo:
    browser: str = ""
    browser_version: str = ""  # major.minor
    os: str = ""
    os_version: str = ""  # major.minor
    device: Device = "desktop"
    is_bot: bool = False


def _version(major: str | None, minor: str | None) -> str:
    if not major:
        return ""
    return f"{major}.{minor or '0'}"[:20]


def _device(ua: str) -> Device:
    lowered = ua.lower()
    if (
        any(token in lowered for token in TABLET_TOKENS)
        or _TABLET_MODELS.search(lowered)
        or ("android" in lowered and "mobile" not in lowered)
    ):
        return "tablet"
    if any(token in lowered for token in MOBILE_TOKENS):
        return "mobile"
    return "desktop"


@lru_cache(maxsize=8192)
def _parse(ua: str) -> UserAgentInfo:
    if is_bot_user_agent(ua):
        return UserAgentInfo(is_bot=True)
    result = _PARSER.parse(ua)
    browser, os = result.user_agent, result.os
    if result.device and result.device.family == "Spider":
        return UserAgentInfo(is_bot=True)
    return UserAgentInfo(
        browser=BROWSER_NAMES.get(browser.family, browser.family) if browser else "",
        browser_version=_version(browser.major, browser.minor) if browser else "",
        os=OS_NAMES.get(os.family, os.family) if os else "",
        os_version=_version(os.major, os.minor) if os else "",
        device=_device(ua),
    )


def parse_user_agent(ua: str) -> UserAgentInfo:
    """What a User-Agent header says about the visitor's software; bots get only ``is_bot``."""
    return _parse(ua[:MAX_USER_AGENT_LENGTH])
