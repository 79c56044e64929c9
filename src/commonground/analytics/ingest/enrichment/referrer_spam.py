"""Referrer spam: hosts that fake a Referer header to show up in analytics reports.

The list is data, shipped with the code and never downloaded at runtime. Refresh it from the
community-maintained, public-domain list by Matomo,
https://github.com/matomo-org/referrer-spam-list (file ``spammers.txt``), which Plausible and
others also use; keep it sorted.
"""

from functools import lru_cache

REFERRER_SPAM_HOSTS: frozenset[str] = frozenset(
    {
        "100dollars-seo.com",
        "12masterov.com",
        "4webmasters.org",
        "7makemoneyonline.com",
        "adcash.com",
        "best-seo-offer.com",
        "best-seo-solution.com",
        "bestwebsitesawards.com",
        "biglistofwebsites.com",
        "blackhatworth.com",
        "buttons-for-website.com",
        "buttons-for-your-website.com",
        "buy-cheap-online.info",
        "cenokos.ru",
        "cenoval.ru",
        "cityadspix.com",
        "darodar.com",
        "econom.co",
        "event-tracking.com",
        "free-share-buttons.com",
        "free-social-buttons.com",
        "free-traffic.xyz",
        "get-free-social-traffic.com",
        "get-free-traffic-now.com",
        "hulfingtonpost.com",
        "ilovevitaly.co",
        "ilovevitaly.com",
        "ilovevitaly.ru",
        "iskalko.ru",
        "kambasoft.com",
        "luxup.ru",
        "make-money-online.com",
        "o-o-6-o-o.com",
        "o-o-6-o-o.ru",
        "o-o-8-o-o.ru",
        "priceg.com",
        "prlog.ru",
        "rank-checker.online",
        "savetubevideo.com",
        "screentoolkit.com",
        "semalt.com",
        "semaltmedia.com",
        "seoexperimenty.ru",
        "simple-share-buttons.com",
        "social-buttons.com",
        "socialseet.ru",
        "success-seo.com",
        "superiends.org",
        "trafficmonetize.org",
        "trafficmonetizer.org",
        "videos-for-your-business.com",
        "vodkoved.ru",
        "websocial.me",
        "ykecwqlixx.ru",
    }
)


@lru_cache(maxsize=4096)
def is_referrer_spam(referrer_host: str) -> bool:
    """Whether ``referrer_host`` or one of its parent domains is a known referrer spammer."""
    labels = referrer_host.strip().lower().rstrip(".").split(".")
    return any(".".join(labels[start:]) in REFERRER_SPAM_HOSTS for start in range(len(labels) - 1))
