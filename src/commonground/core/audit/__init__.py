"""The audit trail: an append-only, hash-chained copy of every Wagtail log entry."""
