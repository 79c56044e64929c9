"""``commonground audit verify [--anchor FILE]`` checks the audit chain (and the trail against
anchors kept outside the database); ``audit anchor`` writes a signed head to the configured
sinks; ``audit export`` streams the trail."""

import datetime
from argparse import ArgumentParser, ArgumentTypeError
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date, parse_datetime

from commonground.core.audit.anchors import AnchorSink, FileSink, read_anchors, write_anchor
from commonground.core.audit.export import csv_lines, jsonl_lines, stream_entries
from commonground.core.audit.models import AuditEntry
from commonground.core.audit.verification import PROGRESS_EVERY, Anchor, verify_chain


def _since(value: str) -> datetime.datetime:
    """A date (midnight UTC, the trail's own time zone) or an ISO 8601 date-time."""
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD) or ISO date-time")
        moment = datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain, or export the trail."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        verify = subcommands.add_parser(
            "verify",
            help="Recompute the chain; exit 1 naming the first altered or missing entry.",
        )
        verify.add_argument(
            "--anchor",
            action="append",
            type=Path,
            default=[],
            metavar="FILE",
            help="A file of anchors (JSON lines, as the file sink writes them): the trail must "
            "agree with every one. May be given more than once.",
        )
        anchor = subcommands.add_parser(
            "anchor", help="Sign the chain head and write it to every configured sink."
        )
        anchor.add_argument(
            "--file",
            type=Path,
            help="Append the anchor to this file only, instead of the configured sinks.",
        )
        export = subcommands.add_parser("export", help="Stream the trail to standard output.")
        export.add_argument("--format", choices=("csv", "jsonl"), default="csv")
        export.add_argument("--since", type=_since, help="Only entries from this date (UTC) on.")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand == "verify":
            self._verify(options["anchor"])
        elif subcommand == "anchor":
            self._anchor(options["file"])
        else:
            self._export(options["format"], options["since"])

    def _progress(self, done: int, total: int) -> None:
        self.stderr.write(f"… {done} of {total} entries")

    def _anchors(self, files: list[Path]) -> list[Anchor] | None:
        if not files:
            return None
        anchors: list[Anchor] = []
        for path in files:
            if not path.is_file():
                raise CommandError(f"{path}: no such anchor file")
            anchors.extend(read_anchors(path))
        return anchors

    def _verify(self, files: list[Path]) -> None:
        anchors = self._anchors(files)
        report = verify_chain(progress=self._progress, anchors=anchors)
        if anchors is not None:
            self.stdout.write(f"checked {len(anchors)} anchor(s) from {len(files)} file(s):")
            for line in report.anchor_results:
                self.stdout.write(f"  {line}")
        if report.intact:
            self.stdout.write(report.summary())
            return
        if note := report.legacy_note():
            self.stdout.write(note)
        self.stderr.write(f"audit trail broken: {report.problem}")
        raise SystemExit(1)

    def _anchor(self, path: Path | None) -> None:
        sinks: list[AnchorSink] | None = None
        if path is not None:
            sinks = [FileSink("file", path=path)]
        result = write_anchor(sinks)
        anchored = f"#{result.anchor['sequence']} ({result.anchor['hash'][:12]})"
        for failure in result.failures:
            self.stderr.write(f"anchor sink failed: {failure}")
        if not result.written:
            raise CommandError(f"the anchor of {anchored} reached no sink")
        self.stdout.write(f"anchored {anchored} to {', '.join(result.written)}")
        if result.failures:
            raise SystemExit(1)

    def _export(self, export_format: str, since: datetime.datetime | None) -> None:
        queryset = AuditEntry.objects.order_by("sequence")
        if since is not None:
            queryset = queryset.filter(timestamp__gte=since)
        total = queryset.count()
        entries = self._counted(stream_entries(queryset), total)
        lines = csv_lines(entries) if export_format == "csv" else jsonl_lines(entries)
        for line in lines:
            self.stdout.write(line, ending="")

    def _counted(self, entries: Iterator[AuditEntry], total: int) -> Iterator[AuditEntry]:
        for done, entry in enumerate(entries, start=1):
            yield entry
            if done % PROGRESS_EVERY == 0:
                self._progress(done, total)
