"""The admin home screen's panel: the scorecard of the reader's side and the joint goals, the
proposals waiting for them, the next review meeting and their open actions."""

from typing import Any

from wagtail.admin.ui.components import Component

from ..sides import party_of
from . import selectors

SHOWN = 8


class CommonGroundPanel(Component):
    name = "alignment_common_ground"
    template_name = "alignment/home_panel.html"
    order = 50  # first: the shared numbers are what every role starts the day with

    def get_context_data(self, parent_context: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(parent_context)
        request = parent_context["request"]
        party = party_of(request.user)
        goals = selectors.goals_for("current")
        if party is not None:
            goals = goals.filter(side__in=["joint", party.value])
        board = selectors.build_scorecard(goals, live=False, any_age=True)
        order = {"off_track": 0, "at_risk": 1, "on_track": 2}
        cards = sorted(board.cards, key=lambda c: (c.side != "joint", order[c.status], c.name))
        context.update(
            party=party,
            cards=cards[:SHOWN],
            more=max(len(cards) - SHOWN, 0),
            counts=board.counts(),
            total=len(cards),
            awaiting_me=[
                p for p in board.proposals if party is not None and p.proposer_side != party.value
            ],
            **selectors.home_extras(request.user),
        )
        return context
