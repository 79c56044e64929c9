"""What other apps may use of alignment."""

from collections.abc import Callable


def load_alignment_demo(*, write: Callable[[str], object] = print) -> None:
    """The demo's goals, budget, glossary, meetings and pulse rounds (once)."""
    from .demo import load_alignment_demo as load

    load(write=write)


__all__ = ["load_alignment_demo"]
