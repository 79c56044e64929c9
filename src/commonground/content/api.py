"""The headless API: Wagtail's v2 endpoints for pages, images and documents, with strict input.

Wagtail's endpoints pass some inputs straight to the database or search backend; the
subclasses below turn those into 400s with a message naming the parameter.
"""

import re
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from rest_framework.response import Response
from wagtail.api.v2.filters import FieldsFilter
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import BaseAPIViewSet, PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

# Larger offsets overflow database integer types; no real listing is this long.
MAX_OFFSET = 1_000_000
MAX_SEARCH_LENGTH = 255
SEARCH_OPERATORS = ("and", "or")
_SEARCH_TEXT = re.compile(r"[\w \-'.,!?&@/]*")
# Parameters Wagtail reads with int(): a larger number overflows the database's integer.
ID_PARAMETERS = ("id", "child_of", "ancestor_of", "descendant_of", "translation_of")
MAX_ID = 2**63 - 1
MAX_FILTER_LENGTH = 255


def _positive_integer(value: str) -> bool:
    # Only ASCII digits: int() also reads other scripts' digits and chokes on "²".
    return value.isascii() and value.isdigit()


def validate_listing_query(request: HttpRequest) -> None:
    """Reject query parameters that Wagtail would pass on unchecked."""
    for name in ("offset", "limit"):
        value = request.GET.get(name)
        if value is not None and not _positive_integer(value):
            raise BadRequestError(f"{name} must be a positive integer")
    for name in ID_PARAMETERS:
        value = request.GET.get(name)
        if value is None or (value == "root" and name != "id"):
            continue
        if not _positive_integer(value) or int(value) > MAX_ID:
            raise BadRequestError(f"{name} must be an id (a positive integer)")
    offset = request.GET.get("offset")
    if offset is not None and int(offset) > MAX_OFFSET:
        raise BadRequestError(f"offset must not be higher than {MAX_OFFSET}")
    search = request.GET.get("search")
    if search is not None:
        if len(search) > MAX_SEARCH_LENGTH:
            raise BadRequestError(f"search must be at most {MAX_SEARCH_LENGTH} characters")
        if any(ord(char) < 32 or ord(char) == 127 for char in search):
            raise BadRequestError("search must not contain control characters")
        if not _SEARCH_TEXT.fullmatch(search):
            # SQLite's full-text syntax is not for visitors: a backslash or quote in a term
            # made FTS5 raise a syntax error (a 500).
            raise BadRequestError(
                "search may hold only letters, digits, spaces and - ' . , ! ? & @ /"
            )
    operator = request.GET.get("search_operator")
    if operator is not None and operator not in SEARCH_OPERATORS:
        raise BadRequestError("search_operator must be 'and' or 'or'")


class StrictFieldsFilter(FieldsFilter):
    """Wagtail's field filters (``?title=...``, ``?first_published_at=...``), each value first
    checked as its field reads it: Wagtail converts only booleans, integers and foreign keys,
    so a malformed date reached the database as a ValidationError (a 500)."""

    def filter_queryset(
        self, request: HttpRequest, queryset: QuerySet[Any], view: BaseAPIViewSet
    ) -> QuerySet[Any]:
        fields = set(view.get_available_fields(queryset.model, db_fields_only=True))
        for name in request.GET:
            if name in fields:
                _check_filter(queryset.model, name, str(request.GET.get(name, "")))
        return super().filter_queryset(request, queryset, view)  # type: ignore[no-any-return]


def _check_filter(model: type[models.Model], name: str, value: str) -> None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return
    if len(value) > MAX_FILTER_LENGTH or any(ord(char) < 32 for char in value):
        raise BadRequestError(
            f"{name} must be at most {MAX_FILTER_LENGTH} characters, without control characters"
        )
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    if isinstance(field, models.IntegerField | models.AutoField):
        if not (_positive_integer(value) and int(value) <= MAX_ID):
            raise BadRequestError(f"{name} must be a positive integer")
        return
    if isinstance(field, models.BooleanField):
        return  # Wagtail's parse_boolean answers these with its own 400
    if isinstance(field, models.Field):
        try:
            field.to_python(value)
        except (ValidationError, ValueError, OverflowError):
            raise BadRequestError(f"{name}: {value[:40]!r} is not a valid value") from None


def _strict_filters(backends: list[type]) -> list[type]:
    return [StrictFieldsFilter if backend is FieldsFilter else backend for backend in backends]


class ValidatedListingMixin:
    def listing_view(self, request: HttpRequest) -> Response:
        validate_listing_query(request)
        return super().listing_view(request)  # type: ignore[misc]

    def find_view(self, request: HttpRequest) -> Any:
        validate_listing_query(request)
        return super().find_view(request)  # type: ignore[misc]

    def detail_view(self, request: HttpRequest, pk: Any) -> Response:
        validate_listing_query(request)
        return super().detail_view(request, pk)  # type: ignore[misc]


class ContentPagesAPIViewSet(ValidatedListingMixin, PagesAPIViewSet):
    filter_backends = _strict_filters(PagesAPIViewSet.filter_backends)


class ContentImagesAPIViewSet(ValidatedListingMixin, ImagesAPIViewSet):
    filter_backends = _strict_filters(ImagesAPIViewSet.filter_backends)
    body_fields = [*ImagesAPIViewSet.body_fields, "description", "credit"]
    listing_default_fields = [*ImagesAPIViewSet.listing_default_fields, "description"]


class ContentDocumentsAPIViewSet(ValidatedListingMixin, DocumentsAPIViewSet):
    filter_backends = _strict_filters(DocumentsAPIViewSet.filter_backends)


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", ContentPagesAPIViewSet)
api_router.register_endpoint("images", ContentImagesAPIViewSet)
api_router.register_endpoint("documents", ContentDocumentsAPIViewSet)
