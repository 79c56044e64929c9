"""``commonground alignment scorecard`` prints the shared scorecard computed from live data;
``alignment agenda`` the next review meeting's generated agenda; ``alignment snapshot`` writes
today's goal snapshots (what the scheduler does every few minutes)."""

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from commonground.alignment.scorecard import selectors, services
from commonground.alignment.scorecard.selectors import GoalCard
from commonground.alignment.templatetags.alignment_tags import metric_value
from commonground.analytics.public import reading_the_store_file

PERIODS = ("current", "previous", "all")


class Command(BaseCommand):
    help = "The shared scorecard, the next meeting's agenda, or today's goal snapshots."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        scorecard = subcommands.add_parser(
            "scorecard", help="Every goal's value, target and status, computed now."
        )
        scorecard.add_argument("--json", action="store_true", help="A JSON array, one per goal.")
        scorecard.add_argument(
            "--period",
            choices=PERIODS,
            default="current",
            help="current: running today (default); previous: ended last quarter; all.",
        )
        agenda = subcommands.add_parser("agenda", help="The next meeting's generated agenda.")
        agenda.add_argument("--json", action="store_true", help="JSON sections.")
        subcommands.add_parser("snapshot", help="Write today's value and status of each goal.")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        # While no mover runs (``commonground run`` stopped), analytics numbers are read from
        # the store's file itself; while one runs, through its query service as usual.
        with reading_the_store_file():
            if subcommand == "scorecard":
                self._scorecard(period=options["period"], as_json=options["json"])
            elif subcommand == "agenda":
                self._agenda(as_json=options["json"])
            else:
                count = services.snapshot_goals()
                self.stdout.write(f"Snapshots written for {count} goals.")

    def _scorecard(self, *, period: str, as_json: bool) -> None:
        board = selectors.build_scorecard(selectors.goals_for(period), live=True)
        if as_json:
            self.stdout.write(json.dumps([card.as_json() for card in board.cards], indent=2))
            return
        if not board.cards:
            self.stdout.write(f"No goals ({period}).")
            return
        for card in board.cards:
            self._line(card, indent="")
            for guard in card.guardrails:
                self._line(guard, indent="    guardrail: ")
        counts = board.counts()
        self.stdout.write(
            f"{len(board.cards)} goals: {counts['on_track']} on track, "
            f"{counts['at_risk']} at risk, {counts['off_track']} off track."
        )

    def _line(self, card: GoalCard, *, indent: str) -> None:
        self.stdout.write(
            f"{indent}[{card.status.label:<9}] {card.name} ({card.side}) — {card.metric_label}: "
            f"{metric_value(card.value, card.unit)} of {metric_value(card.target, card.unit)}, "
            f"{card.period_start:%d %b} to {card.period_end:%d %b %Y}"
        )

    def _agenda(self, *, as_json: bool) -> None:
        from commonground.alignment.reviews.agenda import generate_agenda

        agenda = generate_agenda()
        if as_json:
            self.stdout.write(json.dumps(agenda.as_json(), indent=2, default=str))
            return
        self.stdout.write(agenda.as_text())
