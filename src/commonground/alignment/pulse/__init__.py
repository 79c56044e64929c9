"""pulse (to be written)."""
