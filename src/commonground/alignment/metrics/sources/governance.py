"""Catalogue metrics from governance (to be written)."""
