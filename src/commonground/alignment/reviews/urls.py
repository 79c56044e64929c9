"""Admin URLs of review meetings, under /admin/alignment/meetings/."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("", views.series_index, name="alignment_reviews_series_index"),
    path("series/new/", views.series_new, name="alignment_reviews_series_new"),
    path("series/<int:pk>/", views.series_detail, name="alignment_reviews_series"),
    path("series/<int:pk>/edit/", views.series_edit, name="alignment_reviews_series_edit"),
    path("series/<int:pk>/invitation.ics", views.series_ics, name="alignment_reviews_series_ics"),
    path("agenda.json", views.agenda_json, name="alignment_reviews_agenda_json"),
    path("<int:pk>/", views.meeting_detail, name="alignment_reviews_meeting"),
    path("<int:pk>/minutes/", views.meeting_minutes, name="alignment_reviews_meeting_minutes"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="alignment_reviews_meeting_cancel"),
    path("<int:pk>/decisions/", views.meeting_decision, name="alignment_reviews_meeting_decision"),
    path("<int:pk>/actions/", views.meeting_action, name="alignment_reviews_meeting_action"),
    path("actions/<int:pk>/done/", views.action_done, name="alignment_reviews_action_done"),
    path("decisions/", views.decision_log, name="alignment_reviews_decisions"),
    path("decisions/export.csv", views.decision_log_csv, name="alignment_reviews_decisions_csv"),
]
