"""The published pages' cache: the middleware that serves and stores them, and what empties it."""
