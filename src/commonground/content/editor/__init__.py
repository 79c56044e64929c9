"""The editor around a page: publishing without traps and the content calendar."""
