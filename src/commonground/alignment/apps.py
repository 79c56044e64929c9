"""The alignment app: the common ground where IT and marketing read the same numbers."""

from django.apps import AppConfig


class AlignmentConfig(AppConfig):
    name = "commonground.alignment"
    label = "alignment"
    verbose_name = "Alignment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Other apps show glossary terms through core, which must not import alignment.
        from commonground.core.glossary import register_lookup

        from .glossary.selectors import term_explanations

        register_lookup(term_explanations)
