"""Catalogue metrics from distribution (to be written)."""
