"""Alignment's tables, one module per area."""

from .budget import *  # noqa: F403
from .glossary import *  # noqa: F403
from .goals import CheckIn, Goal, GoalProposal, GoalSnapshot
from .pulse import *  # noqa: F403
from .report import *  # noqa: F403
from .reviews import *  # noqa: F403

__all__ = ["CheckIn", "Goal", "GoalProposal", "GoalSnapshot"]
