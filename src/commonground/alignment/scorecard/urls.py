"""Admin URLs of the scorecard, at /admin/alignment/."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("", views.scorecard, name="alignment_scorecard"),
    path("refresh/", views.refresh, name="alignment_scorecard_refresh"),
    path("goals/new/", views.goal_new, name="alignment_goal_new"),
    path("goals/<int:goal_id>/", views.goal_detail, name="alignment_goal"),
    path("goals/<int:goal_id>/edit/", views.goal_edit, name="alignment_goal_edit"),
    path("goals/<int:goal_id>/archive/", views.goal_archive, name="alignment_goal_archive"),
    path("proposals/<int:proposal_id>/", views.proposal_detail, name="alignment_proposal"),
    path(
        "proposals/<int:proposal_id>/decide/",
        views.proposal_decide,
        name="alignment_proposal_decide",
    ),
    path("check-ins/", views.check_ins, name="alignment_check_ins"),
    path("metrics/", views.catalogue, name="alignment_metrics"),
]
