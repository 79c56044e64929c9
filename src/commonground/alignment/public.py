"""What other apps may use of alignment."""

from collections.abc import Callable
from typing import Any


def load_alignment_demo(
    *, site: str, cmo: Any, cio: Any, write: Callable[[str], object] = print
) -> None:
    """The demo's budget, goals, meetings and pulse rounds (once), for the tracked site
    ``site`` (its domain) and the two leads; the glossary is every installation's already."""
    from .demo import load_alignment_demo as load

    load(site=site, cmo=cmo, cio=cio, write=write)


__all__ = ["load_alignment_demo"]
