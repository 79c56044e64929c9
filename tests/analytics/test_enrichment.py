"""Enrichment: user agents, bots, referrer source and channel, campaigns, geo, referrer spam."""

from pathlib import Path

import pytest

from commonground.analytics.ingest.enrichment import (
    Campaign,
    GeoDatabaseError,
    GeoLookup,
    UserAgentInfo,
    campaign_from_url,
    classify_referrer,
    is_bot_user_agent,
    is_referrer_spam,
    parse_user_agent,
    referrer_hostname,
)

from .mmdb_writer import write_mmdb

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0"
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4.1 Safari/605.1.15"
)
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/125.0.0.0 Safari/537.36 Edg/125.0.2535.51"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1"
)
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.82 Mobile Safari/537.36"
)
IPAD_SAFARI = (
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.6 Mobile/15E148 Safari/604.1"
)
ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
SAMSUNG_INTERNET = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36"
)

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
GOOGLEBOT_SMARTPHONE = (
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.6367.118 Mobile Safari/537.36 "
    "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
)
BINGBOT = (
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
    "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36"
)
HEADLESS_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/124.0.6367.29 Safari/537.36"
)
LIGHTHOUSE = (
    "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse"
)
ELECTRON = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "scraper/1.0.0 Chrome/120.0.6099.291 Electron/28.2.3 Safari/537.36"
)


# --- user agents -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ua", "expected"),
    [
        (CHROME_WINDOWS, UserAgentInfo("Chrome", "124.0", "Windows", "10.0", "desktop")),
        (FIREFOX_LINUX, UserAgentInfo("Firefox", "126.0", "Ubuntu", "", "desktop")),
        (SAFARI_MAC, UserAgentInfo("Safari", "17.4", "macOS", "10.15", "desktop")),
        (EDGE_WINDOWS, UserAgentInfo("Edge", "125.0", "Windows", "10.0", "desktop")),
        (IPHONE_SAFARI, UserAgentInfo("Safari", "17.4", "iOS", "17.4", "mobile")),
        (ANDROID_CHROME, UserAgentInfo("Chrome", "124.0", "Android", "14.0", "mobile")),
        (IPAD_SAFARI, UserAgentInfo("Safari", "16.6", "iOS", "16.6", "tablet")),
        (ANDROID_TABLET, UserAgentInfo("Chrome", "124.0", "Android", "13.0", "tablet")),
        (SAMSUNG_INTERNET, UserAgentInfo("Samsung Internet", "24.0", "Android", "14.0", "mobile")),
    ],
)
def test_browsers_are_named_with_version_os_and_device(ua: str, expected: UserAgentInfo) -> None:
    assert parse_user_agent(ua) == expected


@pytest.mark.parametrize(
    "ua",
    [
        GOOGLEBOT,
        GOOGLEBOT_SMARTPHONE,
        BINGBOT,
        HEADLESS_CHROME,
        LIGHTHOUSE,
        ELECTRON,
        "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/534.34 (KHTML, like Gecko) "
        "PhantomJS/2.1.1 Safari/534.34",
        "curl/8.5.0",
        "Wget/1.21.4",
        "python-requests/2.32.3",
        "Go-http-client/2.0",
        "axios/1.7.2",
        "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
        "Java/17.0.10",
        "okhttp/4.12.0",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "",
        "   ",
        "Mozilla/5.0",
        "x",
    ],
)
def test_bots_headless_browsers_and_scripts_are_flagged(ua: str) -> None:
    info = parse_user_agent(ua)
    assert info.is_bot
    assert is_bot_user_agent(ua)


@pytest.mark.parametrize(
    "ua", [CHROME_WINDOWS, FIREFOX_LINUX, SAFARI_MAC, IPHONE_SAFARI, ANDROID_CHROME, IPAD_SAFARI]
)
def test_real_browsers_are_not_bots(ua: str) -> None:
    assert not parse_user_agent(ua).is_bot


def test_garbage_and_huge_user_agents_parse_without_error() -> None:
    for ua in ["\x00\xff\u202e", "(((((((((((((((((", "Mozilla/5.0 " + "A" * 100_000, "🦆" * 50]:
        info = parse_user_agent(ua)
        assert info.device in {"desktop", "mobile", "tablet"}


def test_unknown_but_plausible_user_agent_is_a_desktop_with_no_names() -> None:
    info = parse_user_agent("SomeBrowser (Unknown Platform) Engine/1.0 Whatever/2")
    assert info == UserAgentInfo(device="desktop", is_bot=False)


# --- referrer source and channel ---------------------------------------------------------

PAGE = "example.org"


@pytest.mark.parametrize(
    ("referrer", "utm_source", "utm_medium", "click_id", "expected"),
    [
        # search engines, also per-country domains
        ("https://www.google.com/", "", "", "", ("Google", "search")),
        ("https://www.google.co.uk/", "", "", "", ("Google", "search")),
        ("https://www.google.de/search?q=x", "", "", "", ("Google", "search")),
        ("https://www.bing.com/search?q=x", "", "", "", ("Bing", "search")),
        ("https://duckduckgo.com/", "", "", "", ("DuckDuckGo", "search")),
        ("https://www.ecosia.org/", "", "", "", ("Ecosia", "search")),
        ("https://search.yahoo.com/", "", "", "", ("Yahoo", "search")),
        ("https://www.baidu.com/link?url=x", "", "", "", ("Baidu", "search")),
        ("https://yandex.ru/", "", "", "", ("Yandex", "search")),
        ("https://yandex.com.tr/", "", "", "", ("Yandex", "search")),
        (
            "android-app://com.google.android.googlequicksearchbox/",
            "",
            "",
            "",
            ("Google", "search"),
        ),
        # social networks
        ("https://l.facebook.com/", "", "", "", ("Facebook", "social")),
        ("https://m.facebook.com/", "", "", "", ("Facebook", "social")),
        ("https://l.instagram.com/", "", "", "", ("Instagram", "social")),
        ("https://www.linkedin.com/feed/", "", "", "", ("LinkedIn", "social")),
        ("https://lnkd.in/abc", "", "", "", ("LinkedIn", "social")),
        ("https://t.co/abc", "", "", "", ("X/Twitter", "social")),
        ("https://x.com/someone", "", "", "", ("X/Twitter", "social")),
        ("https://twitter.com/someone", "", "", "", ("X/Twitter", "social")),
        ("https://old.reddit.com/r/django", "", "", "", ("Reddit", "social")),
        ("https://www.youtube.com/watch?v=1", "", "", "", ("YouTube", "social")),
        ("https://mastodon.social/@someone", "", "", "", ("Mastodon", "social")),
        ("https://fosstodon.org/@someone", "", "", "", ("Mastodon", "social")),
        ("https://bsky.app/profile/x", "", "", "", ("Bluesky", "social")),
        ("https://news.ycombinator.com/item?id=1", "", "", "", ("Hacker News", "social")),
        # webmail and mail apps
        ("https://mail.google.com/", "", "", "", ("Gmail", "email")),
        ("android-app://com.google.android.gm/", "", "", "", ("Gmail", "email")),
        ("https://outlook.live.com/mail/0/", "", "", "", ("Outlook", "email")),
        ("https://webmail.example.net/", "", "", "", ("webmail.example.net", "email")),
        # referrals
        ("https://github.com/org/repo", "", "", "", ("GitHub", "referral")),
        ("https://www.someblog.net/post/1", "", "", "", ("someblog.net", "referral")),
        ("https://notgoogle.com/", "", "", "", ("notgoogle.com", "referral")),
        ("https://google.evil.com/", "", "", "", ("google.evil.com", "referral")),
        ("someblog.net/post", "", "", "", ("someblog.net", "referral")),
        # direct and self-referrals
        ("", "", "", "", ("", "direct")),
        ("https://example.org/other-page", "", "", "", ("", "direct")),
        ("https://www.example.org/other-page", "", "", "", ("", "direct")),
        ("https://EXAMPLE.org./", "", "", "", ("", "direct")),
        ("not a url at all", "", "", "", ("", "direct")),
        ("http://[::1", "", "", "", ("", "direct")),
        # paid: by medium or by an ad-only click id
        ("https://www.google.com/", "google", "cpc", "", ("Google", "paid")),
        ("https://www.google.com/", "", "", "gclid", ("Google", "paid")),
        ("", "", "", "msclkid", ("", "paid")),
        ("https://l.facebook.com/", "facebook", "paid_social", "fbclid", ("Facebook", "paid")),
        ("https://www.linkedin.com/", "linkedin", "Paid-Social", "", ("LinkedIn", "paid")),
        ("", "partner", "display", "", ("partner", "paid")),
        # fbclid alone is Meta's organic link decoration, not an ad
        ("https://l.facebook.com/", "", "", "fbclid", ("Facebook", "social")),
        # email by medium or source name
        ("", "newsletter", "email", "", ("newsletter", "email")),
        ("", "weekly-digest", "newsletter", "", ("weekly-digest", "email")),
        ("", "newsletter", "", "", ("newsletter", "email")),
        ("https://mail.google.com/", "", "", "", ("Gmail", "email")),
        # utm_source without referrer: the source name decides
        ("", "google", "", "", ("Google", "search")),
        ("", "fb", "", "", ("Facebook", "social")),
        ("", "LinkedIn", "", "", ("LinkedIn", "social")),
        ("", "linkedin.com", "", "", ("LinkedIn", "social")),
        ("", "hn", "", "", ("Hacker News", "social")),
        ("", "twitter", "", "", ("X/Twitter", "social")),
        ("", "bluesky", "", "", ("Bluesky", "social")),
        ("", "some-partner", "", "", ("some-partner", "referral")),
        # a medium wins over the source's usual channel
        ("", "mastodon", "referral", "", ("Mastodon", "referral")),
        ("", "spring-poster", "social", "", ("spring-poster", "social")),
        # utm_source beats the referrer for the name; an unknown tag takes the referrer's channel
        ("https://l.facebook.com/", "spring-campaign", "", "", ("spring-campaign", "social")),
        # a tagged self-referral is still a campaign
        ("https://example.org/", "newsletter", "email", "", ("newsletter", "email")),
        # only a medium: a campaign, not direct
        ("", "", "qr-code", "", ("", "referral")),
    ],
)
def test_source_and_channel(
    referrer: str,
    utm_source: str,
    utm_medium: str,
    click_id: str,
    expected: tuple[str, str],
) -> None:
    assert classify_referrer(referrer, PAGE, utm_source, utm_medium, click_id) == expected


def test_every_channel_is_reachable() -> None:
    cases = [
        ("https://www.google.com/", ""),
        ("https://t.co/x", ""),
        ("https://mail.google.com/", ""),
        ("https://www.google.com/", "cpc"),
        ("https://someblog.net/", ""),
        ("", ""),
    ]
    channels = {classify_referrer(ref, PAGE, "", medium, "")[1] for ref, medium in cases}
    assert channels == {"search", "social", "email", "paid", "referral", "direct"}


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://www.Example.com:8443/path?q=1", "example.com"),
        ("http://sub.example.co.uk/", "sub.example.co.uk"),
        ("android-app://com.google.android.gm/", "com.google.android.gm"),
        ("", ""),
        ("http://[::1", ""),
        ("https://" + "a" * 300 + ".com/", ""),
    ],
)
def test_referrer_hostname(url: str, host: str) -> None:
    assert referrer_hostname(url) == host


# --- campaigns ---------------------------------------------------------------------------


def test_all_utm_fields_are_read_and_decoded() -> None:
    campaign = campaign_from_url(
        "https://example.org/landing?utm_source=news%20letter&utm_medium=email"
        "&utm_campaign=spring+sale&utm_term=%C3%A9t%C3%A9&utm_content=hero-button"
    )
    assert campaign == Campaign(
        utm_source="news letter",
        utm_medium="email",
        utm_campaign="spring sale",
        utm_term="été",
        utm_content="hero-button",
    )


@pytest.mark.parametrize(
    ("url", "click_id"),
    [
        ("https://example.org/?gclid=Cj0KCQ", "gclid"),
        ("https://example.org/?gbraid=0AAAA", "gbraid"),
        ("https://example.org/?wbraid=CkAB", "wbraid"),
        ("https://example.org/?msclkid=abc123", "msclkid"),
        ("https://example.org/?fbclid=IwAR0x", "fbclid"),
        ("https://example.org/?ttclid=E.C.P", "ttclid"),
        ("https://example.org/?li_fat_id=1234-5678", "li_fat_id"),
        ("https://example.org/?twclid=2-abc", "twclid"),
        ("https://example.org/?dclid=CJ1", "dclid"),
        ("https://example.org/?GCLID=upper", "gclid"),
        ("https://example.org/?fbclid=x&gclid=y", "gclid"),  # an ad click id first
        ("https://example.org/?gclid=", ""),  # empty value: no click
        ("https://example.org/?page=2", ""),
    ],
)
def test_click_id_is_the_parameter_name_never_its_value(url: str, click_id: str) -> None:
    campaign = campaign_from_url(url)
    assert campaign.click_id == click_id
    for value in (campaign.utm_source, campaign.utm_medium, campaign.click_id):
        assert "Cj0KCQ" not in value and "IwAR0x" not in value


def test_values_are_trimmed_capped_and_cleaned() -> None:
    campaign = campaign_from_url(
        "https://example.org/?utm_source=%20%20google%20%20&utm_campaign="
        + "x" * 5000
        + "&utm_medium=cp%00c%0A"
    )
    assert campaign.utm_source == "google"
    assert campaign.utm_campaign == "x" * 200
    assert campaign.utm_medium == "cp c"


def test_first_value_wins_and_names_are_case_insensitive() -> None:
    campaign = campaign_from_url("/page?UTM_Source=first&utm_source=second")
    assert campaign.utm_source == "first"


def test_ref_and_source_stand_in_for_utm_source() -> None:
    assert campaign_from_url("https://example.org/?ref=producthunt").utm_source == "producthunt"
    assert campaign_from_url("https://example.org/?source=rss").utm_source == "rss"
    assert campaign_from_url("https://example.org/?utm_source=a&ref=b").utm_source == "a"


def test_tags_after_the_fragment_are_read() -> None:
    assert campaign_from_url("https://example.org/#utm_source=app").utm_source == "app"
    assert campaign_from_url("https://example.org/#section-2") == Campaign()


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "http://[::1/?utm_source=broken-ipv6",
        "https://example.org/?utm_source=%E0%A4%A&utm_medium=%ZZ",
        "https://example.org/?&&&==&=&utm_source",
        "https://example.org/?" + "&".join(f"p{i}=v" for i in range(10_000)),
        "\x00\x01?utm_source=\x00",
        "https://example.org/?utm_source=" + "%" * 1000,
    ],
)
def test_malformed_urls_never_raise(url: str) -> None:
    campaign = campaign_from_url(url)
    assert isinstance(campaign, Campaign)
    assert len(campaign.utm_source) <= 200


def test_broken_ipv6_host_still_yields_its_tags() -> None:
    assert campaign_from_url("http://[::1/?utm_source=broken").utm_source == "broken"


def test_invalid_percent_encoding_is_replaced_not_fatal() -> None:
    assert campaign_from_url("/?utm_source=caf%E9").utm_source == "caf\ufffd"


# --- referrer spam -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "spam"),
    [
        ("semalt.com", True),
        ("SEMALT.COM", True),
        ("www.semalt.com", True),
        ("buttons-for-website.com", True),
        ("forum.darodar.com", True),
        ("econom.co", True),
        ("google.com", False),
        ("notsemalt.com", False),
        ("com", False),
        ("", False),
    ],
)
def test_referrer_spam(host: str, spam: bool) -> None:
    assert is_referrer_spam(host) is spam


# --- geo ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def city_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_mmdb(
        tmp_path_factory.mktemp("geo") / "city.mmdb",
        {
            "81.2.69.0/24": {
                "country": {"iso_code": "GB", "names": {"en": "United Kingdom"}},
                "subdivisions": [{"iso_code": "ENG"}, {"iso_code": "WSM"}],
            },
            "145.100.0.0/16": {"country": {"iso_code": "NL"}, "subdivisions": [{"iso_code": "NH"}]},
            "2a02:a400::/29": {"country": {"iso_code": "NL"}, "subdivisions": [{"iso_code": "NH"}]},
            "2001:4860::/32": {"country": {"iso_code": "US"}},
            "1.1.1.0/24": {"registered_country": {"iso_code": "AU"}},
            # A record in private space must still not be looked up.
            "10.0.0.0/8": {"country": {"iso_code": "ZZ"}},
        },
    )


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("81.2.69.160", ("GB", "GB-ENG")),
        ("145.100.7.1", ("NL", "NL-NH")),
        ("2a02:a401:1234::1", ("NL", "NL-NH")),
        ("2001:4860:4860::8888", ("US", "")),
        ("::ffff:81.2.69.1", ("GB", "GB-ENG")),  # IPv4-mapped IPv6
        ("1.1.1.1", ("AU", "")),  # only the registered country is known
        ("8.8.8.8", ("", "")),  # not in the database
        ("2a03::1", ("", "")),
        ("10.1.2.3", ("", "")),  # private
        ("127.0.0.1", ("", "")),  # loopback
        ("::1", ("", "")),
        ("192.168.1.1", ("", "")),
        ("fe80::1", ("", "")),
        ("not-an-ip", ("", "")),
        ("", ("", "")),
        ("999.1.1.1", ("", "")),
    ],
)
def test_geo_lookup(city_db: Path, ip: str, expected: tuple[str, str]) -> None:
    with GeoLookup(city_db) as geo:
        assert geo.configured
        assert geo.lookup(ip) == expected


def test_geo_without_a_database_answers_nothing() -> None:
    geo = GeoLookup(None)
    assert not geo.configured
    assert geo.lookup("81.2.69.160") == ("", "")


def test_geo_country_only_database(tmp_path: Path) -> None:
    db = write_mmdb(
        tmp_path / "country.mmdb",
        {"81.2.69.0/24": {"country": {"iso_code": "gb"}}},
        database_type="GeoLite2-Country",
    )
    assert GeoLookup(str(db)).lookup("81.2.69.1") == ("GB", "")


def test_geo_missing_or_corrupt_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(GeoDatabaseError, match="cannot open GeoIP database"):
        GeoLookup(tmp_path / "missing.mmdb")
    corrupt = tmp_path / "corrupt.mmdb"
    corrupt.write_bytes(b"not a database" * 10)
    with pytest.raises(GeoDatabaseError):
        GeoLookup(corrupt)


def test_bot_detection_agrees_with_crawlerdetect_itself() -> None:
    # We run crawlerdetect's own pattern data through RE2 for speed; it must judge alike.
    from crawlerdetect import CrawlerDetect

    from commonground.analytics.ingest.enrichment.bots import _is_crawler

    reference = CrawlerDetect()
    agents = [
        CHROME_WINDOWS,
        FIREFOX_LINUX,
        SAFARI_MAC,
        EDGE_WINDOWS,
        IPHONE_SAFARI,
        ANDROID_CHROME,
        IPAD_SAFARI,
        ANDROID_TABLET,
        SAMSUNG_INTERNET,
        GOOGLEBOT,
        GOOGLEBOT_SMARTPHONE,
        BINGBOT,
        "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
        "Mozilla/5.0 (Linux; Android 10) YandexSearch/8.10 Mobile Safari/537.36",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "Twitterbot/1.0",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "Mozilla/5.0 (compatible; DuckDuckBot-Https/1.1; https://duckduckgo.com/duckduckbot)",
    ]
    for agent in agents:
        assert _is_crawler(agent) == reference.is_crawler(agent), agent
