"""glossary (to be written)."""
