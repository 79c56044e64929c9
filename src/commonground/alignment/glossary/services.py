"""Writes of the glossary: a side proposes an edit or a new term, the other side's lead
accepts (which applies it) or rejects it, the proposer may withdraw it. Each is audited."""

from dataclasses import asdict, dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log

from commonground.core.glossary import terms_changed

from ..models import GlossaryProposal, GlossaryTerm
from ..sides import Party, User, led_party, party_of

PROPOSE = "alignment.glossary.propose"
ACCEPT = "alignment.glossary.accept"
REJECT = "alignment.glossary.reject"
WITHDRAW = "alignment.glossary.withdraw"

NO_SIDE = (
    "Only marketing or IT may propose glossary changes: your role (Viewer) sits on neither "
    "side. Ask someone on either side to propose it."
)


@dataclass(frozen=True)
class TermText:
    """What a proposal says a term should read."""

    term: str
    for_marketing: str
    for_it: str
    examples: str
    related_metrics: tuple[str, ...]

    @classmethod
    def of(cls, term: GlossaryTerm) -> "TermText":
        """What ``term`` reads now."""
        return cls(
            term=term.term,
            for_marketing=term.for_marketing,
            for_it=term.for_it,
            examples=term.examples,
            related_metrics=tuple(term.related_metrics),
        )

    def as_data(self) -> dict[str, object]:
        """As plain JSON values, for the audit entry and the edit form's initial values."""
        return {**asdict(self), "related_metrics": list(self.related_metrics)}


def proposing_party(user: User) -> Party:
    """The side ``user`` proposes for; PermissionDenied saying why for the Viewer (or a user
    on both sides, who has no one side)."""
    party = party_of(user)
    if party is None:
        raise PermissionDenied(NO_SIDE)
    return party


def require_decider(user: User, proposal: GlossaryProposal) -> Party:
    """The party ``user`` leads, when that is the side that decides ``proposal`` (the side
    other than the proposer's); PermissionDenied with the reason otherwise."""
    if proposal.proposed_by_id is not None and proposal.proposed_by_id == user.pk:
        raise PermissionDenied(
            "You proposed this change: the other side's lead accepts or rejects it."
        )
    deciding = proposal.proposer_party.other
    if led_party(user) is not deciding:
        raise PermissionDenied(
            f"A {proposal.proposer_party.label} proposal is decided by the {deciding.label} Lead."
        )
    return deciding


def may_decide(user: User, proposal: GlossaryProposal) -> bool:
    """Whether ``user`` may accept or reject ``proposal`` (for showing the buttons)."""
    try:
        require_decider(user, proposal)
    except PermissionDenied:
        return False
    return True


def propose(
    *,
    user: User,
    text: TermText,
    term: GlossaryTerm | None = None,
    slug: str = "",
    reason: str = "",
) -> GlossaryProposal:
    """A proposal to change ``term`` to ``text``, or (no ``term``) to add a term ``slug``."""
    party = proposing_party(user)
    with transaction.atomic():
        if term is None:
            if not slug:
                raise ValidationError({"slug": "A new term needs a slug."})
            if GlossaryTerm.objects.filter(slug=slug).exists():
                raise ValidationError(
                    {"slug": f"The glossary already has “{slug}”: propose an edit of it."}
                )
        else:
            slug = term.slug
            if TermText.of(term) == text:
                raise ValidationError("This is what the term already says: change something.")
        proposal = GlossaryProposal.objects.create(
            term=term,
            slug=slug,
            term_updated_at=term.updated_at if term else None,
            proposed_term=text.term,
            proposed_for_marketing=text.for_marketing,
            proposed_for_it=text.for_it,
            proposed_examples=text.examples,
            proposed_related_metrics=list(text.related_metrics),
            reason=reason,
            proposed_by=user,  # type: ignore[misc]  # signed in: proposing_party checked
            proposer_side=party.value,
        )
        log(
            instance=proposal,
            action=PROPOSE,
            user=user,
            data={"slug": slug, "new": term is None, "side": party.value, **text.as_data()},
        )
    return proposal


def _pending(proposal_id: int) -> GlossaryProposal:
    proposal = GlossaryProposal.objects.select_for_update().get(pk=proposal_id)
    if proposal.status != GlossaryProposal.Status.PENDING:
        raise ValidationError(f"This proposal is already {proposal.get_status_display().lower()}.")
    return proposal


def accept(*, user: User, proposal: GlossaryProposal, note: str = "") -> GlossaryTerm:
    """Apply ``proposal`` to its term (or add the new term), decided by ``user``."""
    with transaction.atomic():
        proposal = _pending(proposal.pk)
        require_decider(user, proposal)
        term = (
            None
            if proposal.term_id is None
            else GlossaryTerm.objects.select_for_update().get(pk=proposal.term_id)
        )
        if term is not None and term.updated_at != proposal.term_updated_at:
            raise ValidationError(
                "The term has changed since this was proposed: reject this proposal and ask "
                "for one on the term as it reads now."
            )
        if term is None:
            if GlossaryTerm.objects.filter(slug=proposal.slug).exists():
                raise ValidationError(
                    f"The glossary has had a term “{proposal.slug}” since this was proposed."
                )
            term = GlossaryTerm(slug=proposal.slug)
        before = None if proposal.term_id is None else TermText.of(term).as_data()
        term.term = proposal.proposed_term
        term.for_marketing = proposal.proposed_for_marketing
        term.for_it = proposal.proposed_for_it
        term.examples = proposal.proposed_examples
        term.related_metrics = list(proposal.proposed_related_metrics)
        try:
            with transaction.atomic():
                term.save()
        except IntegrityError:  # a new term of the same slug, accepted at the same moment
            raise ValidationError(
                f"The glossary has had a term “{proposal.slug}” since this was proposed."
            ) from None
        proposal.term = term
        _decide(proposal, user=user, status=GlossaryProposal.Status.ACCEPTED, note=note)
        log(
            instance=term,
            action=ACCEPT,
            user=user,
            data={
                "proposal": proposal.pk,
                "slug": term.slug,
                "proposed_by_side": proposal.proposer_side,
                "before": before,
                "after": TermText.of(term).as_data(),
                "note": note,
            },
        )
        terms_changed()
    return term


def reject(*, user: User, proposal: GlossaryProposal, note: str = "") -> None:
    with transaction.atomic():
        proposal = _pending(proposal.pk)
        require_decider(user, proposal)
        _decide(proposal, user=user, status=GlossaryProposal.Status.REJECTED, note=note)
        log(
            instance=proposal,
            action=REJECT,
            user=user,
            data={"slug": proposal.slug, "note": note},
        )


def withdraw(*, user: User, proposal: GlossaryProposal) -> None:
    """The proposer takes their pending proposal back."""
    with transaction.atomic():
        proposal = _pending(proposal.pk)
        if proposal.proposed_by_id != user.pk:
            raise PermissionDenied("Only whoever proposed a change may withdraw it.")
        _decide(proposal, user=user, status=GlossaryProposal.Status.WITHDRAWN, note="")
        log(instance=proposal, action=WITHDRAW, user=user, data={"slug": proposal.slug})


def _decide(proposal: GlossaryProposal, *, user: User, status: str, note: str) -> None:
    proposal.status = status
    proposal.decided_by = user  # type: ignore[assignment]
    proposal.decided_at = timezone.now()
    proposal.decision_note = note
    proposal.save()
