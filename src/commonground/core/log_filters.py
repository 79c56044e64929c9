"""Logging filters: keep routine progress lines out of the console, never failures."""

import logging

_ROUTINE_TASK_STATES = ("state=RUNNING", "state=SUCCESSFUL")


class RoutineTaskProgressFilter(logging.Filter):
    """Drop django-tasks' per-task RUNNING/SUCCESSFUL info lines.

    The database worker sets its own logger to INFO at verbosity 1, and at verbosity 0 it
    hides failures too; filtering at the handler keeps failures and drops the chatter.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name != "django_tasks" or record.levelno >= logging.WARNING:
            return True
        message = record.getMessage()
        return not any(state in message for state in _ROUTINE_TASK_STATES)
