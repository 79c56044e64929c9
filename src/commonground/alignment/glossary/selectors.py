"""Reads of the glossary: terms for the list and the inline explanations, a term's history."""

from django.db.models import Q, QuerySet

from commonground.core.glossary import TermExplanation

from ..metrics.base import all_metrics
from ..models import GlossaryProposal, GlossaryTerm


def metric_keys() -> list[str]:
    """Every metric key a term may name as related, sorted."""
    return [definition.key for definition in all_metrics()]


def term_explanations() -> dict[str, TermExplanation]:
    """Every term's name and explanations by slug (core.glossary's lookup)."""
    return {
        slug: TermExplanation(slug=slug, term=term, for_marketing=marketing, for_it=it)
        for slug, term, marketing, it in GlossaryTerm.objects.values_list(
            "slug", "term", "for_marketing", "for_it"
        )
    }


def search_terms(query: str = "") -> QuerySet[GlossaryTerm]:
    """Terms whose name, slug, explanations or examples contain ``query`` (all without)."""
    terms = GlossaryTerm.objects.all()
    query = query.strip()
    if query:
        terms = terms.filter(
            Q(term__icontains=query)
            | Q(slug__icontains=query)
            | Q(for_marketing__icontains=query)
            | Q(for_it__icontains=query)
            | Q(examples__icontains=query)
        )
    return terms.order_by("term")


def pending_proposals() -> QuerySet[GlossaryProposal]:
    return (
        GlossaryProposal.objects.filter(status=GlossaryProposal.Status.PENDING)
        .select_related("term", "proposed_by")
        .order_by("created_at")
    )


def term_history(term: GlossaryTerm) -> QuerySet[GlossaryProposal]:
    """Every proposal made on ``term``, newest first, with who proposed and who decided."""
    return term.proposals.select_related("proposed_by", "decided_by").order_by("-created_at")
