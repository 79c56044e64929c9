"""Enrichment of raw tracker hits: user agent, referrer source and channel, campaign, geo, spam.

Every function here is pure (no database, no network) and cheap enough for the ingest path.
"""

from commonground.analytics.ingest.enrichment.bots import is_bot_user_agent
from commonground.analytics.ingest.enrichment.campaigns import (
    CLICK_ID_PARAMETERS,
    Campaign,
    campaign_from_url,
)
from commonground.analytics.ingest.enrichment.geo import GeoDatabaseError, GeoLookup
from commonground.analytics.ingest.enrichment.referrer_spam import is_referrer_spam
from commonground.analytics.ingest.enrichment.referrers import (
    CHANNELS,
    Channel,
    classify_referrer,
    referrer_hostname,
)
from commonground.analytics.ingest.enrichment.user_agents import UserAgentInfo, parse_user_agent

__all__ = [
    "CHANNELS",
    "CLICK_ID_PARAMETERS",
    "Campaign",
    "Channel",
    "GeoDatabaseError",
    "GeoLookup",
    "UserAgentInfo",
    "campaign_from_url",
    "classify_referrer",
    "is_bot_user_agent",
    "is_referrer_spam",
    "parse_user_agent",
    "referrer_hostname",
]
