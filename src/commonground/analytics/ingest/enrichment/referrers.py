"""Where a visit came from: the referrer's friendly source name and its marketing channel.

Channel rules, first match wins (documented in the tests too):

1. **paid** - utm_medium is a paid medium (cpc, ppc, cpm, paid*, display, banner, ...) or an
   ad-only click id is present (gclid, gbraid, wbraid, dclid, msclkid, ttclid, li_fat_id,
   twclid). fbclid alone is not paid: Meta adds it to organic links too.
2. **email / social / search / referral** - utm_medium names one of them
   (email, newsletter / social, sm / organic, seo / referral, affiliate...).
3. The channel of the known source: utm_source when it names a known source (google, fb,
   newsletter, linkedin.com...), else the referrer host (search engines, social networks,
   webmail hosts and mail apps, see ``referrer_sources``).
4. **referral** - any other external referrer, or any campaign tag.
5. **direct** - nothing at all. A referrer on the page's own host (a self-referral, ignoring
   "www.") counts as no referrer.

The source is utm_source when given (explicit tagging beats inference, as in Plausible and
GA4), shown under its friendly name when known; else the referrer's friendly name or its
hostname without "www."; "" for direct.
"""

import re
from functools import lru_cache
from urllib.parse import urlsplit

from commonground.analytics.ingest.enrichment.referrer_sources import (
    BRANDS,
    EMAIL,
    EMAIL_MEDIUMS,
    EMAIL_SOURCES,
    HOSTS,
    PAID_CLICK_IDS,
    PAID_MEDIUMS,
    REFERRAL_MEDIUMS,
    SEARCH_MEDIUMS,
    SOCIAL_MEDIUMS,
    SOURCE_ALIASES,
    WEBMAIL_PREFIXES,
    Channel,
)

CHANNELS: tuple[Channel, ...] = ("search", "social", "email", "paid", "referral", "direct")
MAX_SOURCE_LENGTH = 200
_MAX_HOSTNAME_LENGTH = 253
# Dotted labels of letters (any script), digits, "-" and "_"; rules out "not a url at all".
_HOSTNAME = re.compile(r"[\w-]+(?:\.[\w-]+)+")
# Second-level labels under a country code: google.co.uk, yandex.com.tr, baidu.com.cn.
_GENERIC_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "ac", "gov", "edu", "ne", "or"})

_SourceInfo = tuple[str, Channel]
# Friendly names and brand labels as utm_source spellings: "google", "linkedin", "hacker news".
_BY_NAME: dict[str, _SourceInfo] = {
    **{name.lower(): (name, channel) for name, channel in HOSTS.values()},
    **{label: info for label, info in BRANDS.items()},
}


def _normalize_host(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    return host.removeprefix("www.")


def referrer_hostname(url: str) -> str:
    """The lower-cased hostname of ``url`` without "www."; "" when there is none."""
    url = url.strip()[:2048]
    if not url:
        return ""
    if "://" not in url:
        url = "//" + url  # "example.com/page" as sent by some clients
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    host = _normalize_host(host)
    if len(host) > _MAX_HOSTNAME_LENGTH or not _HOSTNAME.fullmatch(host):
        return ""
    return host


def _brand_label(labels: list[str]) -> str:
    if len(labels) < 2:
        return ""
    if len(labels) >= 3 and labels[-2] in _GENERIC_SECOND_LEVEL and len(labels[-1]) == 2:
        return labels[-3]
    return labels[-2]


@lru_cache(maxsize=4096)
def _known_host(host: str) -> _SourceInfo | None:
    labels = host.split(".")
    for start in range(len(labels) - 1):
        if info := HOSTS.get(".".join(labels[start:])):
            return info
    if info := BRANDS.get(_brand_label(labels)):
        return info
    if host.startswith(WEBMAIL_PREFIXES):
        return (host, EMAIL)
    return None


@lru_cache(maxsize=4096)
def _known_source(utm_source: str) -> _SourceInfo | None:
    key = " ".join(utm_source.lower().split())
    key = SOURCE_ALIASES.get(key, key)
    if key in EMAIL_SOURCES:
        return (utm_source, EMAIL)
    if info := _BY_NAME.get(key):
        return info
    if "." in key and (host := referrer_hostname(key)):
        return _known_host(host)
    return None


def _medium_key(utm_medium: str) -> str:
    return utm_medium.strip().lower().replace("-", "_").replace(" ", "_")


def _channel_from_medium(medium: str, click_id: str) -> Channel | None:
    if medium in PAID_MEDIUMS or medium.startswith("paid") or click_id in PAID_CLICK_IDS:
        return "paid"
    if medium in EMAIL_MEDIUMS:
        return "email"
    if medium in SOCIAL_MEDIUMS:
        return "social"
    if medium in SEARCH_MEDIUMS:
        return "search"
    if medium in REFERRAL_MEDIUMS:
        return "referral"
    return None


def classify_referrer(
    referrer_url: str,
    page_hostname: str,
    utm_source: str = "",
    utm_medium: str = "",
    click_id: str = "",
) -> tuple[str, Channel]:
    """(source, channel) of a visit; see the module docstring for the rules."""
    host = referrer_hostname(referrer_url)
    if host and host == _normalize_host(page_hostname):
        host = ""  # self-referral
    source_tag = utm_source.strip()[:MAX_SOURCE_LENGTH]
    medium = _medium_key(utm_medium)

    known_source = _known_source(source_tag) if source_tag else None
    known_referrer = _known_host(host) if host else None

    if source_tag:
        source = known_source[0] if known_source else source_tag
    elif host:
        source = known_referrer[0] if known_referrer else host
    else:
        source = ""

    channel = _channel_from_medium(medium, click_id.strip().lower())
    if channel is None:
        known = known_source or known_referrer
        if known:
            channel = known[1]
        elif source_tag or host or medium:
            channel = "referral"
        else:
            channel = "direct"
    return source, channel
