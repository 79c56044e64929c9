"""The Stats API v2: per-user API keys scoped to sites, their rate limits, ``POST /api/v2/query``
and its OpenAPI schema."""
