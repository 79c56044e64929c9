"""How pages present themselves: search and sharing metadata, hero contrast."""
