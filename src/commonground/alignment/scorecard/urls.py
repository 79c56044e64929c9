"""Admin URLs of scorecard, under /admin/alignment/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
