"""Privacy operations (issue 6): retention per kind of data and data-subject requests."""
