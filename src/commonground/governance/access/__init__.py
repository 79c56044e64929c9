"""Access security for the admin: two-factor sign-in, login throttling, session timeouts.

``two_factor`` (writes) and ``selectors`` (reads) own the devices, ``throttling`` the failed
sign-in counters, ``sessions`` the idle and absolute timeouts, ``middleware`` the guard in
front of the admin, ``forms``/``views`` the pages. Registered in governance/wagtail_hooks.py.
"""
