"""Alignment tables: pulse (to be written)."""

__all__: list[str] = []
