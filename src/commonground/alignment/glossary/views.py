"""The glossary's admin pages: every role reads them; a side proposes, the other side's lead
decides. Refusals are a 403 page saying why (alignment/refusals.py)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from ..models import GlossaryProposal, GlossaryTerm
from ..refusals import explain_refusals
from ..sides import party_of
from . import selectors, services
from .forms import DecisionForm, NewTermForm, ProposalForm, SearchForm


def _decidable(request: HttpRequest, proposals: list[GlossaryProposal]) -> set[int]:
    """The proposals the signed-in user may accept or reject."""
    return {p.pk for p in proposals if services.may_decide(request.user, p)}


def glossary_index(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    pending = list(selectors.pending_proposals())
    return TemplateResponse(
        request,
        "alignment/glossary/index.html",
        {
            "header_title": "Glossary",
            "search_form": form,
            "query": query,
            "terms": selectors.search_terms(query),
            "pending": pending,
            "decidable": _decidable(request, pending),
            "side": party_of(request.user),
        },
        status=200 if form.is_valid() or not request.GET else 400,
    )


def glossary_term(request: HttpRequest, slug: str) -> HttpResponse:
    term = get_object_or_404(GlossaryTerm, slug=slug)
    history = list(selectors.term_history(term))
    return _term_page(request, term, history)


def _term_page(
    request: HttpRequest,
    term: GlossaryTerm,
    history: list[GlossaryProposal],
    *,
    decision_form: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    pending = [p for p in history if p.status == GlossaryProposal.Status.PENDING]
    return TemplateResponse(
        request,
        "alignment/glossary/term.html",
        {
            "header_title": term.term,
            "term": term,
            "history": history,
            "pending": pending,
            "decidable": _decidable(request, pending),
            "decision_form": decision_form or DecisionForm(),
            "side": party_of(request.user),
        },
        status=status,
    )


def _propose(
    request: HttpRequest, *, form: ProposalForm, term: GlossaryTerm | None, title: str
) -> HttpResponse:
    services.proposing_party(request.user)  # the Viewer is refused before the form
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.propose(
                user=request.user,
                text=form.text(),
                term=term,
                slug=form.cleaned_data.get("slug", ""),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            deciding = proposal.proposer_party.other.label
            messages.success(request, f"Proposed. The {deciding} Lead accepts or rejects it.")
            if term is None:
                return redirect("alignment_glossary_index")
            return redirect("alignment_glossary_term", slug=term.slug)
    return TemplateResponse(
        request,
        "alignment/glossary/propose.html",
        {"header_title": title, "form": form, "term": term},
        status=400 if request.method == "POST" else 200,
    )


@explain_refusals
def glossary_propose_edit(request: HttpRequest, slug: str) -> HttpResponse:
    term = get_object_or_404(GlossaryTerm, slug=slug)
    initial = services.TermText.of(term).as_data()
    form = ProposalForm(request.POST if request.method == "POST" else None, initial=initial)
    return _propose(request, form=form, term=term, title=f"Propose an edit: {term.term}")


@explain_refusals
def glossary_propose_new(request: HttpRequest) -> HttpResponse:
    form = NewTermForm(request.POST if request.method == "POST" else None)
    return _propose(request, form=form, term=None, title="Propose a new term")


@require_POST
@explain_refusals
def glossary_decide(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = get_object_or_404(GlossaryProposal.objects.select_related("term"), pk=proposal_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        if proposal.term is None:
            raise PermissionDenied("Choose accept or reject.")
        return _term_page(
            request,
            proposal.term,
            list(selectors.term_history(proposal.term)),
            decision_form=form,
            status=400,
        )
    note = form.cleaned_data["note"]
    try:
        if form.cleaned_data["decision"] == "accept":
            term = services.accept(user=request.user, proposal=proposal, note=note)
            messages.success(request, f"Accepted: “{term.term}” now reads as proposed.")
            return redirect("alignment_glossary_term", slug=term.slug)
        services.reject(user=request.user, proposal=proposal, note=note)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Rejected: the term is unchanged.")
    return _back_from(proposal)


@require_POST
@explain_refusals
def glossary_withdraw(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = get_object_or_404(GlossaryProposal.objects.select_related("term"), pk=proposal_id)
    try:
        services.withdraw(user=request.user, proposal=proposal)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Withdrawn.")
    return _back_from(proposal)


def _back_from(proposal: GlossaryProposal) -> HttpResponse:
    """The page the proposal was decided on: its term's, or the list for a new term's."""
    if proposal.term is not None:
        return redirect("alignment_glossary_term", slug=proposal.term.slug)
    return redirect("alignment_glossary_index")
