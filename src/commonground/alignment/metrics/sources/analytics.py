"""Catalogue metrics from analytics (to be written)."""
