"""Analytics: first-party, cookieless tracking, ingest, the event store and its queries."""
