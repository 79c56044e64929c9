"""The image model: Wagtail's image with required alt text and a credit line."""

from django.db import models
from wagtail.images.models import AbstractImage, AbstractRendition, Image


class ContentImage(AbstractImage):
    # Alt text is required: an image without one fails the accessibility promise.
    description = models.CharField(
        "alt text",
        max_length=255,
        help_text="Describe the image for people who cannot see it.",
    )
    credit = models.CharField(max_length=255, blank=True)

    admin_form_fields = (*Image.admin_form_fields, "credit")

    class Meta(AbstractImage.Meta):
        verbose_name = "image"
        verbose_name_plural = "images"

    @property
    def default_alt_text(self) -> str:
        return self.description or self.title


class ContentRendition(AbstractRendition):
    image = models.ForeignKey(ContentImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)
