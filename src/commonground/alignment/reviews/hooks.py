"""Registers reviews's admin pieces with Wagtail (imported by alignment's wagtail_hooks)."""
