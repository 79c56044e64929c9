"""UTM tags on every link a channel sends, so analytics attributes the visit to the channel."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Whatever the link had under these names is replaced: the channel that carried it decides.
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign")


def tagged_url(url: str, *, source: str, medium: str, campaign: str, content: str = "") -> str:
    """``url`` with ``utm_source``/``utm_medium``/``utm_campaign`` set (other query
    parameters and the fragment kept, in their order), and ``utm_content`` when ``content``
    is given (a newsletter's: which send brought the visit). Relative URLs are tagged too."""
    parts = urlsplit(url)
    replaced = (*UTM_KEYS, "utm_content") if content else UTM_KEYS
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in replaced]
    tags = {"utm_source": source, "utm_medium": medium, "utm_campaign": campaign}
    tags |= {"utm_content": content} if content else {}
    query += [(key, value) for key, value in tags.items() if value]
    return urlunsplit(parts._replace(query=urlencode(query)))
