"""The newsletter's public URLs."""

from django.urls import path

from . import views

urlpatterns = [
    path("newsletter/", views.subscribe_view, name="newsletter_subscribe"),
    path(
        "newsletter/confirm/<str:token>/<id:list_id>/",
        views.confirm_view,
        name="newsletter_confirm",
    ),
    path(
        "newsletter/unsubscribe/<str:token>/<id:list_id>/",
        views.unsubscribe_view,
        name="newsletter_unsubscribe",
    ),
    path(
        "newsletter/preferences/<str:token>/",
        views.preferences_view,
        name="newsletter_preferences",
    ),
    path("newsletter/bounces/", views.bounce_view, name="newsletter_bounces"),
]
