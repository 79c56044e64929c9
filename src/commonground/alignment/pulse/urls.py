"""Admin URLs of pulse, under /admin/alignment/pulse/."""

from django.urls import URLPattern, path, re_path

from ..periods import QUARTER_PATTERN
from . import views

urlpatterns: list[URLPattern] = [
    path("", views.pulse_index, name="alignment_pulse_index"),
    path("answer/", views.answer_open_round, name="alignment_pulse_answer_open"),
    path("open/", views.open_round, name="alignment_pulse_open"),
    path("results.csv", views.results_csv, name="alignment_pulse_csv"),
    re_path(rf"^(?P<quarter>{QUARTER_PATTERN})/$", views.pulse_round, name="alignment_pulse_round"),
    re_path(
        rf"^(?P<quarter>{QUARTER_PATTERN})/answer/$", views.answer, name="alignment_pulse_answer"
    ),
    re_path(
        rf"^(?P<quarter>{QUARTER_PATTERN})/close/$", views.close_round, name="alignment_pulse_close"
    ),
]
