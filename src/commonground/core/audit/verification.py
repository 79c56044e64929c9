"""Recomputes the audit chain and names the first entry that was altered, removed or
re-linked, then checks the trail against anchors recorded outside the database; the one
check behind ``commonground audit verify`` and the admin's chain status.

Keyed entries (format 2) are checked with the key their id names (AUDIT_KEY or one of
AUDIT_KEYS_OLD); legacy entries (format 1, unkeyed, from before the key) are accepted only
as a run at the start of the trail, and the report says how far that run goes: they are
never re-keyed, because re-keying would bless whatever an insider had done to them."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef
from wagtail.models import ModelLogEntry, PageLogEntry

from .chain import GENESIS_HASH, anchor_message, head_message
from .keys import AuditKey, constant_time_equal, known_keys
from .models import AuditEntry, AuditHead

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 10_000
_CHUNK = 2_000


@dataclass(frozen=True)
class Anchor:
    """One signed head read back from a sink: where it came from and what it says."""

    origin: str  # e.g. "anchors.jsonl line 3"
    fields: dict[str, Any]


@dataclass(frozen=True)
class ChainReport:
    entries: int  # how many entries were checked
    head_sequence: int
    head_hash: str
    problem: str | None = None
    first_bad_sequence: int | None = None
    legacy_up_to: int = 0  # the last legacy (unkeyed) entry, 0 if none
    key_ids: tuple[str, ...] = ()
    anchor_results: tuple[str, ...] = field(default=())  # one line per anchor checked

    @property
    def intact(self) -> bool:
        return self.problem is None

    def legacy_note(self) -> str:
        if not self.legacy_up_to:
            return ""
        return (
            f"legacy, unkeyed, up to sequence {self.legacy_up_to}: entries #1-#"
            f"{self.legacy_up_to} predate AUDIT_KEY (plain SHA-256), so anyone with database "
            "access could have rewritten them; they are not re-keyed"
        )

    def summary(self) -> str:
        if self.problem:
            return self.problem
        lines = [
            f"{self.entries} entries, chain intact up to #{self.head_sequence}, "
            f"head {self.head_hash[:12]}"
        ]
        if self.key_ids:
            lines.append("keyed with " + ", ".join(self.key_ids))
        if note := self.legacy_note():
            lines.append(note)
        return "\n".join(lines)


@dataclass
class _Walk:
    checked: int = 0
    previous_sequence: int = 0
    previous_hash: str = GENESIS_HASH
    legacy_up_to: int = 0
    key_ids: list[str] = field(default_factory=list)


def verify_chain(
    progress: Progress | None = None, anchors: Iterable[Anchor] | None = None
) -> ChainReport:
    # The head is read first and only entries up to it are checked: entries appended while
    # this runs belong to a later head and are not mistaken for a mismatch.
    head = AuditHead.objects.filter(pk=1).first()
    report = _verify_entries(head, progress)
    if anchors is None:
        return report
    return _check_anchors(report, list(anchors))


def _verify_entries(head: AuditHead | None, progress: Progress | None) -> ChainReport:
    newest = AuditEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    if head is None:
        if newest is None:
            return _unchained_log_entries(ChainReport(0, 0, GENESIS_HASH))
        return ChainReport(0, 0, GENESIS_HASH, "the chain head record is missing", newest)

    keys = known_keys()
    walk = _Walk()
    rows = AuditEntry.objects.filter(sequence__lte=head.sequence).order_by("sequence")
    for entry in rows.iterator(chunk_size=_CHUNK):
        if found := _problem(entry, walk, keys):
            problem, bad = found
            return _report(walk, head, problem, bad)
        walk.checked += 1
        walk.previous_sequence, walk.previous_hash = entry.sequence, entry.hash
        if entry.key_id and entry.key_id not in walk.key_ids:
            walk.key_ids.append(entry.key_id)
        if progress and walk.checked % PROGRESS_EVERY == 0:
            progress(walk.checked, head.sequence)

    if walk.previous_sequence < head.sequence:
        missing = walk.previous_sequence + 1
        last = f"#{walk.previous_sequence}" if walk.previous_sequence else "none"
        return _report(
            walk,
            head,
            f"entry #{missing} is missing: the chain head is #{head.sequence}, "
            f"the last entry is {last}",
            missing,
        )
    if walk.previous_hash != head.hash:
        return _report(
            walk,
            head,
            f"the chain head does not match entry #{head.sequence}: its hash differs",
            head.sequence,
        )
    if problem := _head_signature_problem(head, walk, keys):
        return _report(walk, head, problem, head.sequence)
    return _unchained_log_entries(_report(walk, head))


def _report(
    walk: _Walk, head: AuditHead, problem: str | None = None, bad: int | None = None
) -> ChainReport:
    return ChainReport(
        walk.checked,
        head.sequence,
        head.hash,
        problem,
        bad,
        legacy_up_to=walk.legacy_up_to,
        key_ids=tuple(walk.key_ids),
    )


def _head_signature_problem(head: AuditHead, walk: _Walk, keys: dict[str, AuditKey]) -> str:
    if head.sequence == 0 or head.sequence <= walk.legacy_up_to:
        return ""  # an empty or all-legacy trail: its head was never signed
    if not head.signature:
        return (
            f"the chain head (#{head.sequence}) is not signed although its entry is keyed: "
            "the head was rewritten"
        )
    key = keys.get(head.key_id)
    expected = (
        key.sign(head_message(sequence=head.sequence, entry_hash=head.hash, key_id=key.key_id))
        if key
        else ""
    )
    if not constant_time_equal(expected, head.signature):
        return (
            f"the chain head's signature does not match (#{head.sequence}): the head was "
            "moved or rewritten without the key (entries removed from the end?)"
        )
    return ""


def _problem(entry: AuditEntry, walk: _Walk, keys: dict[str, AuditKey]) -> tuple[str, int] | None:
    """The first thing wrong with ``entry`` given the entries before it, and which it names."""
    previous_sequence, previous_hash = walk.previous_sequence, walk.previous_hash
    expected = previous_sequence + 1
    if entry.sequence != expected:
        jump = f"jumps from #{previous_sequence}" if previous_sequence else "starts"
        return f"entry #{expected} is missing: sequence {jump} to #{entry.sequence}", expected
    if entry.key_id:
        key = keys.get(entry.key_id)
        if key is None:
            return (
                f"entry #{entry.sequence} names key {entry.key_id}, which is neither AUDIT_KEY "
                "nor in AUDIT_KEYS_OLD: it was forged, or the old key is missing",
                entry.sequence,
            )
        digest = entry.content().hash(entry.previous_hash, key.secret)
    else:
        if walk.key_ids:
            return (
                f"entry #{entry.sequence} is unkeyed (legacy format) after keyed entries: "
                "it was rewritten without the key",
                entry.sequence,
            )
        digest = entry.content().hash(entry.previous_hash)
        walk.legacy_up_to = entry.sequence
    if not constant_time_equal(digest, entry.hash):
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
            return _with(
                report,
                problem=f"{count} {label}{'s' if count != 1 else ''} not in the audit trail "
                f"(first: {label} {first})",
            )
    return report


def _with(report: ChainReport, **changes: Any) -> ChainReport:
    values = {**report.__dict__, **changes}
    return ChainReport(**values)


# Anchors ----------------------------------------------------------------------------------


def anchor_problem(anchor: Anchor, head: AuditHead | None, keys: dict[str, AuditKey]) -> str:
    """What is wrong between the trail and one anchor ("" when it agrees)."""
    fields = anchor.fields
    try:
        sequence = int(fields["sequence"])
        anchored_hash = str(fields["hash"])
        key_id = str(fields["key_id"])
        signature = str(fields["signature"])
    except (KeyError, TypeError, ValueError):
        return "not an audit anchor (sequence, hash, key_id and signature are required)"
    key = keys.get(key_id)
    if key is None:
        return f"signed with key {key_id}, which is neither AUDIT_KEY nor in AUDIT_KEYS_OLD"
    if not constant_time_equal(key.sign(anchor_message(fields)), signature):
        return "its signature does not match: the anchor itself was forged or altered"
    head_sequence = head.sequence if head else 0
    if sequence > head_sequence:
        return (
            f"the trail was truncated: this anchor records #{sequence}, the chain head is "
            f"#{head_sequence}"
        )
    if sequence == 0:
        return "" if anchored_hash == GENESIS_HASH else "an empty trail's anchor has a hash"
    entry = AuditEntry.objects.filter(sequence=sequence).first()
    if entry is None:
        return f"the trail was truncated: anchored entry #{sequence} is missing"
    if not constant_time_equal(entry.hash, anchored_hash):
        return (
            f"entry #{sequence} differs from the anchor (hash {entry.hash[:12]}, anchored "
            f"{anchored_hash[:12]}): the trail was rewritten and re-chained"
        )
    return ""


def _check_anchors(report: ChainReport, anchors: list[Anchor]) -> ChainReport:
    head = AuditHead.objects.filter(pk=1).first()
    keys = known_keys()
    results, first_problem = [], None
    for anchor in anchors:
        problem = anchor_problem(anchor, head, keys)
        label = f"{anchor.origin}: #{anchor.fields.get('sequence', '?')} at " + str(
            anchor.fields.get("time", "?")
        )
        if problem:
            results.append(f"FAILED {label}: {problem}")
            first_problem = first_problem or f"{anchor.origin}: {problem}"
        else:
            results.append(f"ok {label}")
    if not anchors:
        first_problem = "no anchors to check: the anchor file holds none"
    return _with(
        report,
        problem=report.problem or first_problem,
        anchor_results=tuple(results),
    )
