"""Admin URLs of glossary, under /admin/alignment/glossary/."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("", views.glossary_index, name="alignment_glossary_index"),
    path("new/", views.glossary_propose_new, name="alignment_glossary_propose_new"),
    path(
        "proposals/<int:proposal_id>/decide/",
        views.glossary_decide,
        name="alignment_glossary_decide",
    ),
    path(
        "proposals/<int:proposal_id>/withdraw/",
        views.glossary_withdraw,
        name="alignment_glossary_withdraw",
    ),
    path("<slug:slug>/", views.glossary_term, name="alignment_glossary_term"),
    path(
        "<slug:slug>/propose/", views.glossary_propose_edit, name="alignment_glossary_propose_edit"
    ),
]
