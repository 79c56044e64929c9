"""Catalogue metrics from manual (to be written)."""
