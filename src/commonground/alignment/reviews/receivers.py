"""What review meetings record when another app says something happened."""

from typing import Any

from . import services


def record_technology_decision(sender: Any, **kwargs: Any) -> None:
    """governance's ``technology_request_decided``: the decision enters the log."""
    services.record_request_decision(
        request_id=kwargs["request_id"],
        title=kwargs["title"],
        approved=kwargs["approved"],
        reviewer=kwargs.get("reviewer"),
        reason=kwargs.get("reason", ""),
        decided_at=kwargs["decided_at"],
    )
