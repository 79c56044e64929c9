"""Alignment's admin URLs, under /admin/alignment/; every role may read every page."""

from django.urls import URLResolver, include, path

urlpatterns: list[URLResolver] = [
    path("", include("commonground.alignment.scorecard.urls")),
    path("glossary/", include("commonground.alignment.glossary.urls")),
    path("budget/", include("commonground.alignment.budget.urls")),
    path("meetings/", include("commonground.alignment.reviews.urls")),
    path("pulse/", include("commonground.alignment.pulse.urls")),
]
