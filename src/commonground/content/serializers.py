"""API serializers for content fields that are not plain values (authors, tags, images)."""

from typing import Any

from rest_framework import serializers
from wagtail.images.api.fields import ImageRenditionField


class AuthorSerializer(serializers.Serializer):
    """The author as the site shows them; photos are available through the images endpoint."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField()

    def to_representation(self, instance: Any) -> dict[str, Any] | None:
        return None if instance is None else super().to_representation(instance)


class TagNamesField(serializers.Field):
    def to_representation(self, value: Any) -> list[str]:
        return sorted(tag.name for tag in value.all())


class ImageWithRenditionsField(serializers.Field):
    """An image as id, alt text and the renditions a front end needs, never the original."""

    SPECS = {"card": "fill-800x450", "wide": "width-1600", "social": "fill-1200x630"}

    def to_representation(self, image: Any) -> dict[str, Any] | None:
        if image is None:
            return None
        renditions = {
            name: ImageRenditionField(spec).to_representation(image)
            for name, spec in self.SPECS.items()
        }
        return {"id": image.pk, "alt": image.default_alt_text, "renditions": renditions}
