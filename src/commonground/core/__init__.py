"""Core: what every app shares: roles, the page cache, background scheduling."""
