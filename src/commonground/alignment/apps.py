"""The alignment app: the common ground where IT and marketing read the same numbers."""

from django.apps import AppConfig


class AlignmentConfig(AppConfig):
    name = "commonground.alignment"
    label = "alignment"
    verbose_name = "Alignment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from commonground.core.glossary import register_lookup
        from commonground.governance.public import technology_request_decided

        from .budget import agenda_sections as _budget_sections  # noqa: F401
        from .glossary.selectors import term_explanations
        from .metrics import sources as _metric_sources  # noqa: F401
        from .reviews import sections as _review_sections  # noqa: F401
        from .reviews.receivers import record_technology_decision
        from .scorecard import agenda_sections as _goal_sections  # noqa: F401

        # The metric catalogue's sources and the agenda's sections register themselves on
        # import: here, once, rather than by the registries importing their members back.
        # Other apps show glossary terms through core, which must not import alignment.
        register_lookup(term_explanations)
        # Technology-request decisions enter the decision log in governance's transaction.
        technology_request_decided.connect(
            record_technology_decision, dispatch_uid="alignment.reviews.technology_decision"
        )
