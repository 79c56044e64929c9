"""Admin URLs of reviews, under /admin/alignment/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
