"""Catalogue metrics from content (to be written)."""
