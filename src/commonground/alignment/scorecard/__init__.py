"""scorecard (to be written)."""
