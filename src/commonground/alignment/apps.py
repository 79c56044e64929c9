"""The alignment app: the common ground where IT and marketing read the same numbers."""

from django.apps import AppConfig


class AlignmentConfig(AppConfig):
    name = "commonground.alignment"
    label = "alignment"
    verbose_name = "Alignment"
    default_auto_field = "django.db.models.BigAutoField"
