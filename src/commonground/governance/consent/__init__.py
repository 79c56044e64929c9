"""Consent: the banner made from the registry, the public endpoint that counts visitors'
choices (``endpoints``), and the admin's report of them (``views``)."""
