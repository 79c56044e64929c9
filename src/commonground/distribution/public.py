"""What other apps may use of distribution."""

from .demo import load_distribution_demo
from .feeds import feed_links, feed_response
from .plan import distribution_panel

__all__ = ["distribution_panel", "feed_links", "feed_response", "load_distribution_demo"]
