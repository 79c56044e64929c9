"""The approved-vendor registry and technology requests: what marketing may run, why, and
what IT decided.

``models`` (entries, hosts, requests, the questionnaire, comments), ``services`` (writes,
audited), ``selectors`` (reads), ``risk`` (the tier rule), ``deadlines`` (working days),
``hosts`` (what a registry host is), ``notifications`` and ``tasks`` (the e-mails),
``forms``/``views`` (the request workflow), ``viewsets`` (registry and questionnaire),
``panels`` (the dashboard's open requests), ``signals`` (a decided request).
"""
