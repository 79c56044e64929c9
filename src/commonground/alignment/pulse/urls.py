"""Admin URLs of pulse, under /admin/alignment/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
