"""The demo's common ground: each area's demo, in the order they depend on each other."""

from collections.abc import Callable

Write = Callable[[str], object]


def load_alignment_demo(*, write: Write = print) -> None:
    write("Setting the common ground (goals, budget, meetings, pulse) ...")
