"""Recomputes the audit chain and names the first entry that was altered, removed or
re-linked; the one check behind ``commonground audit verify`` and the admin's chain status."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from wagtail.models import ModelLogEntry, PageLogEntry

from .chain import GENESIS_HASH
from .models import AuditEntry, AuditHead

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 10_000
_CHUNK = 2_000


@dataclass(frozen=True)
class ChainReport:
    entries: int  # how many entries were checked
    head_sequence: int
    head_hash: str
    problem: str | None = None
    first_bad_sequence: int | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None

    def summary(self) -> str:
        if self.problem:
            return self.problem
        return (
            f"{self.entries} entries, chain intact up to #{self.head_sequence}, "
            f"head {self.head_hash[:12]}"
        )


def verify_chain(progress: Progress | None = None) -> ChainReport:
    # The head is read first and only entries up to it are checked: entries appended while
    # this runs belong to a later head and are not mistaken for a mismatch.
    head = AuditHead.objects.filter(pk=1).first()
    newest = AuditEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    if head is None:
        if newest is None:
            return _unchained_log_entries(ChainReport(0, 0, GENESIS_HASH))
        return ChainReport(0, 0, GENESIS_HASH, "the chain head record is missing", newest)

    checked, previous_sequence, previous_hash = 0, 0, GENESIS_HASH
    rows = AuditEntry.objects.filter(sequence__lte=head.sequence).order_by("sequence")
    for entry in rows.iterator(chunk_size=_CHUNK):
        if found := _problem(entry, previous_sequence, previous_hash):
            problem, bad = found
            return ChainReport(checked, head.sequence, head.hash, problem, bad)
        checked += 1
        previous_sequence, previous_hash = entry.sequence, entry.hash
        if progress and checked % PROGRESS_EVERY == 0:
            progress(checked, head.sequence)

    report = ChainReport(checked, head.sequence, head.hash)
    if previous_sequence < head.sequence:
        missing = previous_sequence + 1
        last = f"#{previous_sequence}" if previous_sequence else "none"
        return ChainReport(
            checked,
            head.sequence,
            head.hash,
            f"entry #{missing} is missing: the chain head is #{head.sequence}, "
            f"the last entry is {last}",
            missing,
        )
    if previous_hash != head.hash:
        return ChainReport(
            checked,
            head.sequence,
            head.hash,
            f"the chain head does not match entry #{head.sequence}: its hash differs",
            head.sequence,
        )
    return _unchained_log_entries(report)


def _problem(
    entry: AuditEntry, previous_sequence: int, previous_hash: str
) -> tuple[str, int] | None:
    """The first thing wrong with ``entry`` given the entry before it, and which entry it names."""
    expected = previous_sequence + 1
    if entry.sequence != expected:
        jump = f"jumps from #{previous_sequence}" if previous_sequence else "starts"
        return f"entry #{expected} is missing: sequence {jump} to #{entry.sequence}", expected
    if entry.content().hash(entry.previous_hash) != entry.hash:
        return (
            f"entry #{entry.sequence} was altered: its hash does not match its content",
            entry.sequence,
        )
    if entry.previous_hash != previous_hash:
        if previous_sequence == 0:
            return (
                f"entry #{entry.sequence}: previous hash is not the chain's start",
                entry.sequence,
            )
        return (
            f"entry #{entry.sequence}: previous hash does not match #{previous_sequence}",
            entry.sequence,
        )
    return None


def _unchained_log_entries(report: ChainReport) -> ChainReport:
    """Log entries written without passing through the trail (raw SQL, ``bulk_create``)."""
    for label, model, source in (
        ("page log entry", PageLogEntry, AuditEntry.Source.PAGE),
        ("model log entry", ModelLogEntry, AuditEntry.Source.MODEL),
    ):
        chained = AuditEntry.objects.filter(source=source, source_id=OuterRef("pk"))
        unchained = model.objects.order_by("pk").filter(~Exists(chained))
        first = unchained.values_list("pk", flat=True).first()
        if first is not None:
            count = unchained.count()
            return ChainReport(
                report.entries,
                report.head_sequence,
                report.head_hash,
                f"{count} {label}{'s' if count != 1 else ''} not in the audit trail "
                f"(first: {label} {first})",
            )
    return report
