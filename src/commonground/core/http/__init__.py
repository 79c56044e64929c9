"""HTTP plumbing every app shares: the front door in front of Django, the web server, URL
converters, the client's address behind trusted proxies and per-source rate limits."""
