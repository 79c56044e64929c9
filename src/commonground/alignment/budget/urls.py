"""Admin URLs of budget, under /admin/alignment/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
