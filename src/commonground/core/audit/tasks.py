"""The audit trail's scheduled work: anchoring the head outside the database."""

import logging

from django_tasks import task

from .anchors import write_anchor

logger = logging.getLogger(__name__)


@task()
def anchor_audit_trail() -> int:
    """Writes the signed head to every configured sink; returns the anchored sequence."""
    result = write_anchor()
    if not result.written:
        logger.error("audit anchor: no sink took the anchor (%s)", "; ".join(result.failures))
    return int(result.anchor["sequence"])
