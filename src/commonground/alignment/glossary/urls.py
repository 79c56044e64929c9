"""Admin URLs of glossary, under /admin/alignment/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
