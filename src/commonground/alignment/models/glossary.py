"""Alignment tables: glossary (to be written)."""

__all__: list[str] = []
