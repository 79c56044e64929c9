"""Alignment tables: reviews (to be written)."""

__all__: list[str] = []
