"""budget (to be written)."""
