"""App config for content."""

from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "commonground.content"
    label = "content"
    verbose_name = "Content"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import privacy

        privacy.register()
