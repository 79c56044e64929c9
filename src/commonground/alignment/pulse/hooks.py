"""Registers pulse's admin pieces with Wagtail (imported by alignment's wagtail_hooks)."""
