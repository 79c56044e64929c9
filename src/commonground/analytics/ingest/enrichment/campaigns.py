"""Campaign tags (UTM parameters) and ad click ids read from a page URL."""

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

MAX_VALUE_LENGTH = 200
# A page URL longer than this is cut before parsing: the tags sit near the start in practice
# and parsing must stay cheap whatever a client sends.
MAX_URL_LENGTH = 8192
MAX_QUERY_FIELDS = 200

UTM_FIELDS: tuple[str, ...] = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
)
# Plausible also reads ?ref= and ?source= as the source when utm_source is absent.
SOURCE_FALLBACK_PARAMETERS: tuple[str, ...] = ("ref", "source")

# Ad-platform click ids, in the order they are reported when several are present. Only the
# parameter's name is kept: the value identifies a single click.
CLICK_ID_PARAMETERS: tuple[str, ...] = (
    "gclid",  # Google Ads
    "gbraid",  # Google Ads, iOS app-to-web
    "wbraid",  # Google Ads, iOS web-to-app
    "dclid",  # Google Display & Video 360 / Campaign Manager
    "msclkid",  # Microsoft Advertising
    "fbclid",  # Meta (added to organic links too)
    "ttclid",  # TikTok Ads
    "li_fat_id",  # LinkedIn Ads
    "twclid",  # X Ads
)

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


@dataclass(frozen=True, slots=True)
class Campaign:
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    utm_term: str = ""
    utm_content: str = ""
    click_id: str = ""  # the name of the click-id parameter present, never its value


def _clean(value: str) -> str:
    return _CONTROL_CHARACTERS.sub(" ", value).strip()[:MAX_VALUE_LENGTH].strip()


def _query_of(url: str) -> str:
    url = url[:MAX_URL_LENGTH]
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced "[" in the host
        _, _, rest = url.partition("?")
        query, _, fragment = rest.partition("#")
        return query if "=" in query else fragment
    # Some links carry their tags after the "#" (single-page apps, some e-mail tools).
    if parts.query:
        return parts.query
    return parts.fragment if "=" in parts.fragment else ""


def _parameters(query: str) -> dict[str, str]:
    """First value of each parameter, names lower-cased; tolerant of any garbage."""
    found: dict[str, str] = {}
    pairs = query.split("&", MAX_QUERY_FIELDS)[:MAX_QUERY_FIELDS]
    for name, value in parse_qsl("&".join(pairs), keep_blank_values=True, errors="replace"):
        key = name.strip().lower()
        if key and key not in found:
            found[key] = value
    return found


def campaign_from_url(url: str) -> Campaign:
    """The UTM tags and the click-id parameter name in ``url``; empty fields when absent."""
    if "?" not in url and "#" not in url:
        return Campaign()
    parameters = _parameters(_query_of(url))
    if not parameters:
        return Campaign()
    values = {name: _clean(parameters.get(name, "")) for name in UTM_FIELDS}
    if not values["utm_source"]:
        for name in SOURCE_FALLBACK_PARAMETERS:
            if fallback := _clean(parameters.get(name, "")):
                values["utm_source"] = fallback
                break
    click_id = next(
        (name for name in CLICK_ID_PARAMETERS if parameters.get(name, "").strip()),
        "",
    )
    return Campaign(click_id=click_id, **values)
