"""The shadow-IT scan: every public page rendered as a visitor gets it (``services``), what it
loads compared with the registry, the report and "Scan now" in the admin (``views``)."""
