"""The site's Content-Security-Policy, made from the registry, and what it meets.

``policy`` (the header and its middleware), ``policy_changes`` (what a registry change
rebuilds), ``third_party`` (what HTML loads from other hosts, the consent gate), ``checks``
(unapproved hosts, content's checks), ``violations`` (browsers' reports), ``endpoints``
(the public report endpoint), ``views`` (the findings report), ``models``, ``selectors``,
and site tags (``forms``, ``viewsets``): vendors' scripts the registry must approve.
"""
