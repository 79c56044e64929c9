"""The alignment app: the common ground where IT and marketing read the same numbers."""

from django.apps import AppConfig


class AlignmentConfig(AppConfig):
    name = "commonground.alignment"
    label = "alignment"
    verbose_name = "Alignment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from commonground.governance.public import technology_request_decided

        from .reviews.receivers import record_technology_decision

        # Technology-request decisions enter the decision log in governance's transaction.
        technology_request_decided.connect(
            record_technology_decision, dispatch_uid="alignment.reviews.technology_decision"
        )
