"""Every committed audit entry as one JSON line on the ``commonground.audit`` logger, for a
SIEM to collect (docs/operations.md); ``AuditJsonFormatter`` writes the line."""

import json
import logging
from typing import Any

from .chain import canonical_timestamp

logger = logging.getLogger("commonground.audit")


def entry_record(entry: Any) -> dict[str, Any]:
    return {
        "sequence": entry.sequence,
        "timestamp": canonical_timestamp(entry.timestamp),
        "actor_id": entry.actor_id,
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_title": entry.object_title,
        "data": json.loads(entry.data),
        "source": entry.source,
        "key_id": entry.key_id,
        "hash": entry.hash,
    }


def emit_entry(entry: Any) -> None:
    logger.info(
        "%s %s by %s",
        entry.action,
        entry.object_title,
        entry.actor,
        extra={"audit": entry_record(entry)},
    )


class AuditJsonFormatter(logging.Formatter):
    """One JSON object per line: the entry (``audit``) and where it was logged from."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "logger": record.name,
            "level": record.levelname,
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "message": record.getMessage(),
        }
        audit = getattr(record, "audit", None)
        if isinstance(audit, dict):
            line["audit"] = audit
        return json.dumps(line, ensure_ascii=False, sort_keys=True, default=str)
