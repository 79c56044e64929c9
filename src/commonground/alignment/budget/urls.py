"""Admin URLs of budget, under /admin/alignment/budget/."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("", views.budget_index, name="alignment_budget_index"),
    path("plan/", views.plan_line, name="alignment_budget_plan"),
    path("actuals/", views.enter_actual, name="alignment_budget_actual"),
    path("actuals.csv", views.actuals_csv, name="alignment_budget_actuals_csv"),
    path("import/", views.import_actuals, name="alignment_budget_import"),
    path("import/<int:pk>/", views.import_preview, name="alignment_budget_import_preview"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="alignment_budget_import_confirm"),
    path("campaigns/", views.campaigns, name="alignment_budget_campaigns"),
    path("reallocations/", views.reallocations, name="alignment_budget_reallocations"),
    path(
        "reallocations/<int:pk>/decision/",
        views.reallocation_decide,
        name="alignment_budget_reallocation_decide",
    ),
    path(
        "reallocations/<int:pk>/withdraw/",
        views.reallocation_withdraw,
        name="alignment_budget_reallocation_withdraw",
    ),
    path("cases/", views.cases, name="alignment_budget_cases"),
    path("cases/<int:pk>/estimate/", views.case_estimate, name="alignment_budget_case_estimate"),
]
