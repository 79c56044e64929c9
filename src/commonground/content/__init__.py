"""Content: Wagtail page types, blocks, snippets, media and the headless API."""
