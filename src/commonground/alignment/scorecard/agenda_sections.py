"""The scorecard's section of a review meeting's agenda: goals at risk or off track."""

from django.urls import reverse

from ..reviews.agenda import AgendaContext, AgendaItem, Severity, agenda_section
from ..sides import side_label
from ..templatetags.alignment_tags import metric_value
from . import selectors


@agenda_section(key="goals", title="Goals at risk or off track", order=10)
def goals_at_risk(context: AgendaContext) -> list[AgendaItem]:
    # From the snapshots (the scheduler keeps them minutes old): the agenda stays fast.
    board = selectors.build_scorecard(
        selectors.goals_for("current", today=context.today), live=False
    )
    worst_first = sorted(
        (card for card in board.cards if card.status != "on_track"),
        key=lambda card: (card.status != "off_track", card.name),
    )
    return [
        AgendaItem(
            title=f"{card.name} ({side_label(card.side)})",
            detail=(
                f"{card.status.label}: {metric_value(card.value, card.unit)} against a target "
                f"of {metric_value(card.target, card.unit)}, "
                f"{metric_value(card.expected, card.unit)} due by now"
                + (
                    f"; guardrails: {', '.join(g.name for g in card.guardrails)}"
                    if card.guardrails
                    else ""
                )
                + "."
            ),
            url=reverse("alignment_goal", args=[card.id]),
            severity=Severity.URGENT if card.status == "off_track" else Severity.ATTENTION,
        )
        for card in worst_first
    ]
