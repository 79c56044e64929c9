"""The newsletter's public URLs."""

from django.urls import path

from . import endpoints

urlpatterns = [
    path("newsletter/", endpoints.subscribe_view, name="newsletter_subscribe"),
    path(
        "newsletter/confirm/<str:token>/<id:list_id>/",
        endpoints.confirm_view,
        name="newsletter_confirm",
    ),
    path(
        "newsletter/unsubscribe/<str:token>/<id:list_id>/",
        endpoints.unsubscribe_view,
        name="newsletter_unsubscribe",
    ),
    path(
        "newsletter/preferences/<str:token>/",
        endpoints.preferences_view,
        name="newsletter_preferences",
    ),
    path("newsletter/bounces/", endpoints.bounce_view, name="newsletter_bounces"),
]
