"""App config for governance."""

from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "commonground.governance"
    label = "governance"
    verbose_name = "Governance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .csp import policy_changes
        from .privacy import own_data

        policy_changes.connect()
        own_data.register()
