"""UTM tags on every link a channel sends, so analytics attributes the visit to the channel."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Whatever the link had under these names is replaced: the channel that carried it decides.
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign")


def tagged_url(url: str, *, source: str, medium: str, campaign: str) -> str:
    """``url`` with ``utm_source``/``utm_medium``/``utm_campaign`` set (other query
    parameters and the fragment kept, in their order). Relative URLs are tagged too."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in UTM_KEYS]
    tags = {"utm_source": source, "utm_medium": medium, "utm_campaign": campaign}
    query += [(key, value) for key, value in tags.items() if value]
    return urlunsplit(parts._replace(query=urlencode(query)))
