"""System checks for the audit trail: a visible warning while the key is the development
default (production refuses to start without AUDIT_KEY, see config/settings/production.py)."""

from typing import Any

from django.core.checks import Warning, register

from .keys import using_dev_default


@register("security", deploy=False)
def audit_key_is_set(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if not using_dev_default():
        return []
    return [
        Warning(
            "AUDIT_KEY is not set: the audit trail is keyed with a development default derived "
            "from SECRET_KEY and the data directory.",
            hint="Set AUDIT_KEY in the environment to a random value of at least 32 "
            "characters, e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'; "
            "keep it out of the database and its backups.",
            id="commonground.audit.W001",
        )
    ]
