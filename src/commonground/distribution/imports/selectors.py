"""Reads for subscriber imports: the list, the progress, the per-row error report."""

import csv
from datetime import timedelta
from typing import Any, TextIO

from django.db.models import QuerySet
from django.utils import timezone

from commonground.core.spreadsheet_cells import formula_safe

from .models import SubscriberImport, SubscriberImportRow

REPORT_ROWS_SHOWN = 200
# An import whose counts have not moved for this long has lost its worker and may be resumed.
STALLED_AFTER = timedelta(minutes=5)
_REPORTED = (SubscriberImportRow.Outcome.SKIPPED, SubscriberImportRow.Outcome.FAILED)


def imports() -> QuerySet[SubscriberImport]:
    # The file's text can be megabytes, and no page shows it.
    return SubscriberImport.objects.defer("source").select_related("mailing_list", "uploaded_by")


def progress(subscriber_import: SubscriberImport) -> dict[str, Any]:
    return {
        "status": subscriber_import.status,
        "status_label": subscriber_import.get_status_display(),
        "total": subscriber_import.total_rows,
        "processed": subscriber_import.processed_rows,
        "created": subscriber_import.created_count,
        "updated": subscriber_import.updated_count,
        "skipped": subscriber_import.skipped_count,
        "failed": subscriber_import.failed_count,
        "finished": subscriber_import.status
        in (SubscriberImport.Status.DONE, SubscriberImport.Status.FAILED),
    }


def is_resumable(subscriber_import: SubscriberImport) -> bool:
    """Failed, or queued or running without progress for STALLED_AFTER (its worker died)."""
    if subscriber_import.status == SubscriberImport.Status.FAILED:
        return True
    stalled = subscriber_import.updated_at < timezone.now() - STALLED_AFTER
    waiting = (SubscriberImport.Status.QUEUED, SubscriberImport.Status.RUNNING)
    return subscriber_import.status in waiting and stalled


def report_rows(subscriber_import: SubscriberImport) -> QuerySet[SubscriberImportRow]:
    """The rows skipped or failed, in the file's order."""
    return subscriber_import.rows.filter(outcome__in=_REPORTED).order_by("row_number")


def csv_safe(cell: str) -> str:
    """``cell`` as text a spreadsheet shows rather than runs."""
    safe: str = formula_safe(cell)
    return safe


def write_report_csv(subscriber_import: SubscriberImport, out: TextIO) -> None:
    """The error report as CSV: row, value, outcome, reason (UTF-8 with a BOM, for Excel)."""
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["row", "value", "outcome", "reason"])
    for row in report_rows(subscriber_import).iterator():
        writer.writerow([row.row_number, csv_safe(row.value), row.outcome, csv_safe(row.reason)])
