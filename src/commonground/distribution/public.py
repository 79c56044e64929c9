"""What other apps may use of distribution."""

from .feeds import feed_links, feed_response

__all__ = ["feed_links", "feed_response"]
