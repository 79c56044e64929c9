"""Subscriber imports: a CSV file uploaded in the admin, imported in batches by a task."""
