"""Catalogue metrics from budget (to be written)."""
