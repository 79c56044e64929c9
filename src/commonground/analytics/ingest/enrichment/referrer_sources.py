"""Known referrer hosts: the friendly source name and channel of each. Data only; extend here.

Hosts are matched exactly and then by parent domain ("l.facebook.com" finds "facebook.com").
Brands with a site per country ("google.co.uk", "yandex.com.tr") are listed once in BRANDS by
the label before their public suffix.
"""

from typing import Literal

Channel = Literal["search", "social", "email", "paid", "referral", "direct"]

SEARCH: Channel = "search"
SOCIAL: Channel = "social"
EMAIL: Channel = "email"
REFERRAL: Channel = "referral"

# Label before the public suffix -> (source, channel): google.com, google.de, google.co.uk...
BRANDS: dict[str, tuple[str, Channel]] = {
    "google": ("Google", SEARCH),
    "bing": ("Bing", SEARCH),
    "yahoo": ("Yahoo", SEARCH),
    "yandex": ("Yandex", SEARCH),
    "baidu": ("Baidu", SEARCH),
    "duckduckgo": ("DuckDuckGo", SEARCH),
    "ecosia": ("Ecosia", SEARCH),
    "qwant": ("Qwant", SEARCH),
    "startpage": ("Startpage", SEARCH),
    "naver": ("Naver", SEARCH),
    "seznam": ("Seznam", SEARCH),
    "facebook": ("Facebook", SOCIAL),
    "instagram": ("Instagram", SOCIAL),
    "linkedin": ("LinkedIn", SOCIAL),
    "pinterest": ("Pinterest", SOCIAL),
    "reddit": ("Reddit", SOCIAL),
    "tiktok": ("TikTok", SOCIAL),
}

# Host (or parent domain) -> (source, channel). Checked before BRANDS, so webmail on a
# search engine's domain ("mail.google.com") wins over the brand.
HOSTS: dict[str, tuple[str, Channel]] = {
    # Search
    "search.brave.com": ("Brave Search", SEARCH),
    "kagi.com": ("Kagi", SEARCH),
    "ya.ru": ("Yandex", SEARCH),
    "ask.com": ("Ask", SEARCH),
    "search.aol.com": ("AOL", SEARCH),
    "so.com": ("360 Search", SEARCH),
    "sogou.com": ("Sogou", SEARCH),
    "com.google.android.googlequicksearchbox": ("Google", SEARCH),
    # Social
    "fb.com": ("Facebook", SOCIAL),
    "fb.me": ("Facebook", SOCIAL),
    "com.facebook.katana": ("Facebook", SOCIAL),
    "com.instagram.android": ("Instagram", SOCIAL),
    "lnkd.in": ("LinkedIn", SOCIAL),
    "com.linkedin.android": ("LinkedIn", SOCIAL),
    "t.co": ("X/Twitter", SOCIAL),
    "x.com": ("X/Twitter", SOCIAL),
    "twitter.com": ("X/Twitter", SOCIAL),
    "com.twitter.android": ("X/Twitter", SOCIAL),
    "redd.it": ("Reddit", SOCIAL),
    "com.reddit.frontpage": ("Reddit", SOCIAL),
    "youtube.com": ("YouTube", SOCIAL),
    "youtu.be": ("YouTube", SOCIAL),
    "com.google.android.youtube": ("YouTube", SOCIAL),
    "bsky.app": ("Bluesky", SOCIAL),
    "threads.net": ("Threads", SOCIAL),
    "threads.com": ("Threads", SOCIAL),
    "news.ycombinator.com": ("Hacker News", SOCIAL),
    "lobste.rs": ("Lobsters", SOCIAL),
    "mastodon.social": ("Mastodon", SOCIAL),
    "mastodon.online": ("Mastodon", SOCIAL),
    "mastodon.world": ("Mastodon", SOCIAL),
    "mstdn.social": ("Mastodon", SOCIAL),
    "mas.to": ("Mastodon", SOCIAL),
    "fosstodon.org": ("Mastodon", SOCIAL),
    "hachyderm.io": ("Mastodon", SOCIAL),
    "infosec.exchange": ("Mastodon", SOCIAL),
    "mastodon.art": ("Mastodon", SOCIAL),
    "techhub.social": ("Mastodon", SOCIAL),
    "chaos.social": ("Mastodon", SOCIAL),
    "social.vivaldi.net": ("Mastodon", SOCIAL),
    "pin.it": ("Pinterest", SOCIAL),
    "tumblr.com": ("Tumblr", SOCIAL),
    "quora.com": ("Quora", SOCIAL),
    "medium.com": ("Medium", SOCIAL),
    "vk.com": ("VK", SOCIAL),
    "weibo.com": ("Weibo", SOCIAL),
    "snapchat.com": ("Snapchat", SOCIAL),
    "t.me": ("Telegram", SOCIAL),
    "web.telegram.org": ("Telegram", SOCIAL),
    "org.telegram.messenger": ("Telegram", SOCIAL),
    "wa.me": ("WhatsApp", SOCIAL),
    "web.whatsapp.com": ("WhatsApp", SOCIAL),
    "com.whatsapp": ("WhatsApp", SOCIAL),
    "discord.com": ("Discord", SOCIAL),
    "app.slack.com": ("Slack", SOCIAL),
    "com.slack": ("Slack", SOCIAL),
    "xing.com": ("XING", SOCIAL),
    # Webmail and mail apps
    "mail.google.com": ("Gmail", EMAIL),
    "inbox.google.com": ("Gmail", EMAIL),
    "com.google.android.gm": ("Gmail", EMAIL),
    "outlook.live.com": ("Outlook", EMAIL),
    "outlook.office.com": ("Outlook", EMAIL),
    "outlook.office365.com": ("Outlook", EMAIL),
    "outlook.cloud.microsoft": ("Outlook", EMAIL),
    "com.microsoft.office.outlook": ("Outlook", EMAIL),
    "mail.yahoo.com": ("Yahoo Mail", EMAIL),
    "mail.aol.com": ("AOL Mail", EMAIL),
    "mail.proton.me": ("Proton Mail", EMAIL),
    "mail.protonmail.com": ("Proton Mail", EMAIL),
    "app.fastmail.com": ("Fastmail", EMAIL),
    "fastmail.com": ("Fastmail", EMAIL),
    "mail.zoho.com": ("Zoho Mail", EMAIL),
    "mail.zoho.eu": ("Zoho Mail", EMAIL),
    "app.tuta.com": ("Tuta", EMAIL),
    "mail.tutanota.com": ("Tuta", EMAIL),
    "mail.yandex.ru": ("Yandex Mail", EMAIL),
    "mail.yandex.com": ("Yandex Mail", EMAIL),
    "e.mail.ru": ("Mail.ru", EMAIL),
    "mail.gmx.net": ("GMX", EMAIL),
    "navigator.gmx.net": ("GMX", EMAIL),
    "navigator.web.de": ("WEB.DE", EMAIL),
    "email.t-online.de": ("T-Online Mail", EMAIL),
    "webmail.ziggo.nl": ("Ziggo Webmail", EMAIL),
    # Well-known referrers that are not search, social or e-mail
    "github.com": ("GitHub", REFERRAL),
    "gitlab.com": ("GitLab", REFERRAL),
    "stackoverflow.com": ("Stack Overflow", REFERRAL),
    "wikipedia.org": ("Wikipedia", REFERRAL),
    "chatgpt.com": ("ChatGPT", REFERRAL),
    "chat.openai.com": ("ChatGPT", REFERRAL),
    "perplexity.ai": ("Perplexity", REFERRAL),
    "claude.ai": ("Claude", REFERRAL),
    "gemini.google.com": ("Gemini", REFERRAL),
    "copilot.microsoft.com": ("Copilot", REFERRAL),
}

# Hosts starting with one of these are webmail whatever the provider ("webmail.example.nl").
WEBMAIL_PREFIXES: tuple[str, ...] = ("webmail.", "mail.", "email.", "outlook.")

# utm_source values (lower-cased) that name a source under another spelling.
SOURCE_ALIASES: dict[str, str] = {
    "fb": "facebook",
    "ig": "instagram",
    "twitter": "x.com",
    "x": "x.com",
    "x-twitter": "x.com",
    "hn": "news.ycombinator.com",
    "hackernews": "news.ycombinator.com",
    "hacker news": "news.ycombinator.com",
    "ycombinator": "news.ycombinator.com",
    "bluesky": "bsky.app",
    "bsky": "bsky.app",
    "mastodon": "mastodon.social",
    "youtube": "youtube.com",
    "yt": "youtube.com",
    "gmail": "mail.google.com",
    "outlook": "outlook.live.com",
    "whatsapp": "wa.me",
    "telegram": "t.me",
    "threads": "threads.net",
    "github": "github.com",
    "chatgpt": "chatgpt.com",
    "chatgpt.com": "chatgpt.com",
    "perplexity": "perplexity.ai",
}

# utm_source values that mean "our own mailing" when no medium says so.
EMAIL_SOURCES: frozenset[str] = frozenset(
    {"newsletter", "email", "e-mail", "mail", "mailchimp", "brevo", "sendinblue", "mailjet"}
)

# utm_medium values, lower-cased with "-" and " " read as "_".
PAID_MEDIUMS: frozenset[str] = frozenset(
    {
        "cpc",
        "ppc",
        "cpm",
        "cpv",
        "cpa",
        "cpp",
        "paid",
        "paidsearch",
        "paid_search",
        "paidsocial",
        "paid_social",
        "paid_media",
        "display",
        "banner",
        "retargeting",
        "remarketing",
        "ads",
        "ad",
        "sem",
    }
)
EMAIL_MEDIUMS: frozenset[str] = frozenset({"email", "e_mail", "newsletter", "mail", "mailing"})
SOCIAL_MEDIUMS: frozenset[str] = frozenset(
    {"social", "social_media", "social_network", "sm", "organic_social", "social_organic"}
)
SEARCH_MEDIUMS: frozenset[str] = frozenset({"organic", "search", "organic_search", "seo"})
REFERRAL_MEDIUMS: frozenset[str] = frozenset({"referral", "link", "partner", "affiliate"})

# Click ids that ad platforms add only to ad clicks. fbclid is missing on purpose: Meta adds
# it to organic links too, so it counts as paid only together with a paid medium.
PAID_CLICK_IDS: frozenset[str] = frozenset(
    {"gclid", "gbraid", "wbraid", "dclid", "msclkid", "ttclid", "li_fat_id", "twclid"}
)
