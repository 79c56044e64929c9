"""The audit trail: an append-only chain, keyed with AUDIT_KEY and anchored outside the
database, of every Wagtail log entry (with the fields that changed) and of the events the trail
records itself (sign-ins, two-factor, membership changes)."""
