"""The headless API: Wagtail's v2 endpoints for pages, images and documents, with strict input.

Wagtail's endpoints pass some inputs straight to the database or search backend; the
subclasses below turn those into 400s with a message naming the parameter.
"""

from typing import Any

from django.http import HttpRequest
from rest_framework.response import Response
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

# Larger offsets overflow database integer types; no real listing is this long.
MAX_OFFSET = 1_000_000
MAX_SEARCH_LENGTH = 255
SEARCH_OPERATORS = ("and", "or")


def validate_listing_query(request: HttpRequest) -> None:
    """Reject query parameters that Wagtail would pass on unchecked."""
    for name in ("offset", "limit"):
        value = request.GET.get(name)
        # Only ASCII digits: int() also reads other scripts' digits and chokes on "²".
        if value is not None and not (value.isascii() and value.isdigit()):
            raise BadRequestError(f"{name} must be a positive integer")
    offset = request.GET.get("offset")
    if offset is not None and int(offset) > MAX_OFFSET:
        raise BadRequestError(f"offset must not be higher than {MAX_OFFSET}")
    search = request.GET.get("search")
    if search is not None:
        if len(search) > MAX_SEARCH_LENGTH:
            raise BadRequestError(f"search must be at most {MAX_SEARCH_LENGTH} characters")
        if any(ord(char) < 32 or ord(char) == 127 for char in search):
            raise BadRequestError("search must not contain control characters")
    operator = request.GET.get("search_operator")
    if operator is not None and operator not in SEARCH_OPERATORS:
        raise BadRequestError("search_operator must be 'and' or 'or'")


class ValidatedListingMixin:
    def listing_view(self, request: HttpRequest) -> Response:
        validate_listing_query(request)
        return super().listing_view(request)  # type: ignore[misc]

    def find_view(self, request: HttpRequest) -> Any:
        validate_listing_query(request)
        return super().find_view(request)  # type: ignore[misc]


class ContentPagesAPIViewSet(ValidatedListingMixin, PagesAPIViewSet):
    pass


class ContentImagesAPIViewSet(ValidatedListingMixin, ImagesAPIViewSet):
    body_fields = [*ImagesAPIViewSet.body_fields, "description", "credit"]
    listing_default_fields = [*ImagesAPIViewSet.listing_default_fields, "description"]


class ContentDocumentsAPIViewSet(ValidatedListingMixin, DocumentsAPIViewSet):
    pass


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", ContentPagesAPIViewSet)
api_router.register_endpoint("images", ContentImagesAPIViewSet)
api_router.register_endpoint("documents", ContentDocumentsAPIViewSet)
