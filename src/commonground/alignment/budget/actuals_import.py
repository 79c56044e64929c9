"""Importing actuals from a finance CSV: every row checked and placed on its budget line,
previewed, then imported all at once or not at all; only the lead who uploaded a file imports
or discards it. Each write keeps its audit entry in the same transaction."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from ..models.budget import Actual, ActualImport, BudgetLine, BudgetPeriod
from ..periods import Quarter
from ..sides import Party, User, led_party
from . import finance_csv
from .services import person

ACTUALS_UPLOAD = "alignment.budget.actuals_upload"
ACTUALS_IMPORT = "alignment.budget.actuals_import"
ACTUALS_DISCARD = "alignment.budget.actuals_discard"


@dataclass(frozen=True, slots=True)
class PreviewLine:
    label: str
    rows: int
    total: Decimal


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """What importing a checked file will do, shown before it is done."""

    rows: int
    total: Decimal
    first_day: date
    last_day: date
    lines: tuple[PreviewLine, ...]
    campaigns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ImportCheck:
    """A file's rows on their lines, or every problem found (then nothing is imported)."""

    rows: tuple[tuple[finance_csv.FinanceRow, BudgetLine], ...]
    problems: tuple[finance_csv.RowProblem, ...]

    @property
    def preview(self) -> ImportPreview:
        per_line: dict[int, list[Any]] = defaultdict(lambda: ["", 0, Decimal(0)])
        for row, line in self.rows:
            entry = per_line[line.pk]
            entry[0], entry[1], entry[2] = str(line), entry[1] + 1, entry[2] + row.amount
        days = [row.day for row, _ in self.rows]
        return ImportPreview(
            rows=len(self.rows),
            total=sum((row.amount for row, _ in self.rows), Decimal(0)),
            first_day=min(days),
            last_day=max(days),
            lines=tuple(PreviewLine(*entry) for entry in per_line.values()),
            campaigns=tuple(sorted({row.utm_campaign for row, _ in self.rows} - {""})),
        )


class ImportProblems(ValidationError):
    """A file with bad rows: nothing of it was imported."""

    def __init__(self, problems: tuple[finance_csv.RowProblem, ...]) -> None:
        super().__init__(f"{len(problems)} problems in the file; nothing was imported.")
        self.problems = problems


def check_finance_file(*, user: User, text: str) -> ImportCheck:
    """Each row of ``text`` on its budget line, with every problem of every row: a cell
    that does not read, a quarter or line not planned, a side ``user`` does not lead."""
    party = led_party(user)
    if party is None:
        raise PermissionDenied("Only the Marketing Lead or the IT Lead may import actuals.")
    parsed = finance_csv.parse(text)
    problems = list(parsed.problems)
    periods = {p.pk: p for p in BudgetPeriod.objects.all()}
    lines = {(ln.period_id, ln.side, ln.category): ln for ln in BudgetLine.objects.all()}
    placed = []
    for row in parsed.rows:
        period = next((p for p in periods.values() if p.start <= row.day <= p.end), None)
        if row.side != party.value:
            problems.append(
                finance_csv.RowProblem(
                    row.line,
                    "side",
                    f"you lead {party.label}: only the {Party(row.side).label} Lead may"
                    f" import {Party(row.side).label}'s actuals",
                )
            )
        elif period is None:
            problems.append(
                finance_csv.RowProblem(
                    row.line,
                    "date",
                    f"no budget is planned for {Quarter.of(row.day).name}, the quarter of"
                    f" {row.day.isoformat()}",
                )
            )
        elif (line := lines.get((period.pk, row.side, row.category))) is None:
            problems.append(
                finance_csv.RowProblem(
                    row.line,
                    "category",
                    f"{Party(row.side).label} has no “{row.category}” line in {period.name};"
                    " plan it first",
                )
            )
        else:
            placed.append((row, line))
    problems.sort(key=lambda p: (p.line, finance_csv.COLUMNS.index(p.column) if p.column else -1))
    return ImportCheck(rows=tuple(placed), problems=tuple(problems))


def upload_finance_file(*, user: User, file_name: str, data: bytes) -> ActualImport:
    """Check an uploaded file and keep it for confirmation when every row is good; raises
    FinanceFileError for a file that does not read, ImportProblems listing every bad row."""
    text = finance_csv.decode(data)
    check = check_finance_file(user=user, text=text)
    if check.problems:
        raise ImportProblems(check.problems)
    preview = check.preview
    with transaction.atomic():
        batch = ActualImport.objects.create(
            file_name=file_name[:255],
            text=text,
            row_count=preview.rows,
            total=preview.total,
            uploaded_by=person(user),
        )
        log(
            instance=batch,
            action=ACTUALS_UPLOAD,
            user=user,
            data={"rows": preview.rows, "total": str(preview.total), "file": batch.file_name},
        )
    return batch


def _open_import(user: User, batch_id: int) -> ActualImport:
    batch = ActualImport.objects.select_for_update().get(pk=batch_id)
    if batch.status != ActualImport.Status.PREVIEWED:
        raise ValidationError(f"This file was {batch.get_status_display().lower()} already.")
    if batch.uploaded_by_id != getattr(user, "pk", None):
        raise PermissionDenied("Only the lead who uploaded the file may import or discard it.")
    return batch


def import_actuals(*, user: User, batch_id: int) -> ActualImport:
    """Import every row of a previewed file in one transaction, or none: the file is
    checked again (a line may have changed since the preview)."""
    with transaction.atomic():
        batch = _open_import(user, batch_id)
        check = check_finance_file(user=user, text=batch.text)
        if check.problems:
            raise ImportProblems(check.problems)
        Actual.objects.bulk_create(
            Actual(
                line=line,
                day=row.day,
                amount=row.amount,
                description=row.description,
                utm_campaign=row.utm_campaign,
                source=Actual.Source.IMPORTED,
                import_batch=batch,
                entered_by=person(user),
            )
            for row, line in check.rows
        )
        batch.status, batch.imported_at = ActualImport.Status.IMPORTED, timezone.now()
        batch.save(update_fields=["status", "imported_at"])
        log(
            instance=batch,
            action=ACTUALS_IMPORT,
            user=user,
            data={"rows": len(check.rows), "total": str(batch.total), "file": batch.file_name},
        )
    return batch


def discard_import(*, user: User, batch_id: int) -> ActualImport:
    """Drop a previewed file unimported (only its uploader may)."""
    with transaction.atomic():
        batch = _open_import(user, batch_id)
        batch.status = ActualImport.Status.DISCARDED
        batch.text = ""  # nothing of a discarded file is kept
        batch.save(update_fields=["status", "text"])
        log(instance=batch, action=ACTUALS_DISCARD, user=user, data={"file": batch.file_name})
    return batch
