"""Ingest: the public endpoints that take events (Plausible's and Umami's formats), their
parsers, the rate limit, enrichment, visitor ids and the spool the mover reads."""
