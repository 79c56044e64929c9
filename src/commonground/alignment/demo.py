"""The demo's common ground: each area's demo, in the order they depend on each other (the
budget before the goals on spend, the goals before the meetings whose agendas show them)."""

from collections.abc import Callable
from typing import Any

from .budget.demo import load_budget_demo
from .pulse.demo import load_pulse_demo
from .reviews.demo import load_reviews_demo
from .scorecard.demo import load_scorecard_demo

Write = Callable[[str], object]


def load_alignment_demo(*, site: str, cmo: Any, cio: Any, write: Write = print) -> None:
    write("Setting the common ground (budget, goals, meetings, pulse) ...")
    load_budget_demo(cmo=cmo, cio=cio, write=write)
    load_scorecard_demo(site=site, cmo=cmo, cio=cio, write=write)
    load_reviews_demo(cmo=cmo, cio=cio, write=write)
    load_pulse_demo(write=write)
