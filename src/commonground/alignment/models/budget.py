"""Alignment tables: budget (to be written)."""

__all__: list[str] = []
