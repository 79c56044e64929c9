"""reviews (to be written)."""
