"""The Stats API's URLs, spliced into the root URL map ahead of Wagtail's ``api/v2/`` router."""

from django.urls import path

from .views import openapi_endpoint, query_endpoint

urlpatterns = [
    path("api/v2/query", query_endpoint, name="stats_api_query"),
    path("api/v2/query/openapi.json", openapi_endpoint, name="stats_api_openapi"),
]
